//! Settings: command-line flags and environment over `attache.toml` over defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The default database: an SQLite file created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/attache.db";
/// Where `attache serve` listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The From address unless told otherwise.
pub const DEFAULT_MAIL_FROM: &str = "Attaché <attache@localhost>";

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    /// A directory of seed data to use instead of the data built into the binary.
    pub seed_dir: Option<PathBuf>,
    /// How long in-flight requests get to finish after SIGTERM or Ctrl-C.
    pub shutdown_grace: Duration,
    /// Mark cookies Secure: set when users reach Attaché over HTTPS (directly or through
    /// a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Take client addresses from `X-Forwarded-For`: only behind a proxy that sets it.
    pub trust_forwarded_for: bool,
    /// Where files Attaché writes live: mail as `.eml` when no SMTP server is set.
    pub data_dir: PathBuf,
    /// `smtp://`, `smtp://…?tls=required` (STARTTLS) or `smtps://` (TLS); `None` writes
    /// mail to `data_dir/mail` instead.
    pub smtp_url: Option<String>,
    /// The From address of every email.
    pub mail_from: String,
    /// The address users reach Attaché at, for links in emails; `http://BIND` if unset.
    pub public_url: Option<String>,
}

/// Settings given on the command line or in the environment; `None` means not given.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub bind: Option<SocketAddr>,
    pub seed_dir: Option<PathBuf>,
    pub shutdown_grace_seconds: Option<u64>,
    pub secure_cookies: Option<bool>,
    pub trust_forwarded_for: Option<bool>,
    pub data_dir: Option<PathBuf>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub public_url: Option<String>,
}

/// The optional `attache.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    bind: Option<SocketAddr>,
    seed_dir: Option<PathBuf>,
    shutdown_grace_seconds: Option<u64>,
    secure_cookies: Option<bool>,
    trust_forwarded_for: Option<bool>,
    data_dir: Option<PathBuf>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
}

/// The configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid attache.toml: {message}")]
    Parse { path: PathBuf, message: String },
}

impl Config {
    /// Resolve settings: `overrides` first, then the file (when it exists), then defaults.
    ///
    /// # Errors
    /// The file exists but cannot be read or holds unknown keys or bad values.
    pub fn load(overrides: Overrides, file: &Path) -> Result<Config, ConfigError> {
        let from_file = match std::fs::read_to_string(file) {
            Ok(text) => toml::from_str::<FileConfig>(&text).map_err(|e| ConfigError::Parse {
                path: file.to_path_buf(),
                message: e.message().to_owned(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: file.to_path_buf(),
                    source,
                });
            }
        };
        let default_bind = SocketAddr::from(([127, 0, 0, 1], 8080));
        Ok(Config {
            database_url: overrides
                .database_url
                .or(from_file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: overrides.bind.or(from_file.bind).unwrap_or(default_bind),
            seed_dir: overrides.seed_dir.or(from_file.seed_dir),
            shutdown_grace: Duration::from_secs(
                overrides
                    .shutdown_grace_seconds
                    .or(from_file.shutdown_grace_seconds)
                    .unwrap_or(10),
            ),
            secure_cookies: overrides
                .secure_cookies
                .or(from_file.secure_cookies)
                .unwrap_or(false),
            trust_forwarded_for: overrides
                .trust_forwarded_for
                .or(from_file.trust_forwarded_for)
                .unwrap_or(false),
            data_dir: overrides
                .data_dir
                .or(from_file.data_dir)
                .unwrap_or_else(|| PathBuf::from("data")),
            smtp_url: overrides.smtp_url.or(from_file.smtp_url),
            mail_from: overrides
                .mail_from
                .or(from_file.mail_from)
                .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned()),
            public_url: overrides
                .public_url
                .or(from_file.public_url)
                .map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// The address users reach Attaché at, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_beat_the_file_which_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("attache-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("attache.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\nseed_dir = \"/srv/seed\"\n").unwrap();
        let c = Config::load(
            Overrides {
                seed_dir: Some("mine".into()),
                ..Overrides::default()
            },
            &file,
        )
        .unwrap();
        assert_eq!(c.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(c.seed_dir, Some(PathBuf::from("mine")));
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.shutdown_grace, Duration::from_secs(10));

        std::fs::write(&file, "bnid = \"x\"\n").unwrap();
        let e = Config::load(Overrides::default(), &file).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_file_means_defaults() {
        let c = Config::load(Overrides::default(), Path::new("/nonexistent/attache.toml")).unwrap();
        assert_eq!(c.bind.to_string(), DEFAULT_BIND);
    }
}
