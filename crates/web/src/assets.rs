//! Static files compiled into the binary and served with long-lived cache headers.
//!
//! Each file's URL carries a hash of its content, so a changed file gets a new URL and
//! browsers may cache every URL for a year.

/// One static file.
#[derive(Debug)]
pub struct Asset {
    pub url: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// Every static file, by logical name.
#[derive(Debug)]
pub struct Assets {
    files: Vec<(&'static str, Asset)>,
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../../static/favicon.svg"),
    ),
    (
        "htmx.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/vendor/htmx-2.0.11.min.js"),
    ),
];

impl Assets {
    pub fn new() -> Self {
        let files = FILES
            .iter()
            .map(|&(name, content_type, body)| {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                let url = format!("/static/{stem}-{:016x}.{ext}", fnv64(body));
                (
                    name,
                    Asset {
                        url,
                        content_type,
                        body,
                    },
                )
            })
            .collect();
        Assets { files }
    }

    /// The URL of a file by logical name ("app.css"), for templates.
    pub fn url(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| a.url.as_str())
    }

    /// The file served at a URL path.
    pub fn by_path(&self, path: &str) -> Option<&Asset> {
        self.files.iter().map(|(_, a)| a).find(|a| a.url == path)
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

/// FNV-1a: a content hash for cache-busting URLs, not for security.
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The static files, built once.
pub fn assets() -> &'static Assets {
    static ASSETS: std::sync::OnceLock<Assets> = std::sync::OnceLock::new();
    ASSETS.get_or_init(Assets::new)
}
