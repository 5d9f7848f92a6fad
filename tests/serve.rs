//! `attache serve` as an operator runs it: a real process, a real port, real signals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{SmtpServer, free_port};

/// Start `attache serve` in `dir`, wait until it answers, and return it with its log so far.
fn start(dir: &Path, port: u16) -> (Child, std::sync::mpsc::Receiver<String>) {
    start_with(dir, port, &[])
}

/// [`start`] with more arguments for `serve`.
fn start_with(dir: &Path, port: u16, extra: &[&str]) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_attache"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--shutdown-grace-seconds",
            "2",
        ])
        .args(extra)
        .current_dir(dir)
        // The built-in seed data, as an installed binary run from an empty directory.
        .env_remove("ATTACHE_SEED_DIR")
        .env_remove("ATTACHE_DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx2.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let log: Vec<String> = rx.try_iter().collect();
            panic!("attache serve exited with {status}:\n{}", log.join("\n"));
        }
        assert!(Instant::now() < deadline, "attache serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, rx)
}

/// GET over a connection that is then left open and idle (HTTP/1.1 keep-alive).
fn get_keep_alive(port: u16, path: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    (s, String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn sigterm_and_wait(child: &mut Child) -> Duration {
    let started = Instant::now();
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serve_creates_the_database_loads_seed_data_and_stops_on_sigterm_despite_idle_connections() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut child, log) = start(dir.path(), port);
    assert!(
        dir.path().join("data/attache.db").exists(),
        "the default SQLite file is created"
    );

    let (idle, response) = get_keep_alive(port, "/readyz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ready"), "{response}");

    let took = sigterm_and_wait(&mut child);
    drop(idle);
    assert!(
        took < Duration::from_secs(5),
        "took {took:?} with a 2 s grace period"
    );
    let lines: Vec<String> = log.try_iter().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("seed data loaded") && l.contains("created=14")),
        "{lines:?}"
    );
    let prefix = format!("http://127.0.0.1:{port}/setup/");
    let link = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()));
    assert!(
        link.is_some_and(|t| t.len() == 64),
        "first start prints a set-up link: {lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("INFO") && l.contains("/setup/")),
        "the set-up link is printed, never logged"
    );

    // A restart finds everything in place and changes nothing.
    let (mut child, log) = start(dir.path(), port);
    sigterm_and_wait(&mut child);
    let lines: Vec<String> = log.try_iter().collect();
    assert!(
        lines.iter().any(|l| l.contains("created=0")
            && l.contains("updated=0")
            && l.contains("unchanged=14")),
        "{lines:?}"
    );
}

/// Logs carry the method and path of each request, never the query string, and never the
/// token of a one-time link (set-up, invitation, password reset), which stays valid for
/// up to an hour.
#[test]
fn request_logs_leave_out_query_strings_and_one_time_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut child, log) = start(dir.path(), port);
    let (_s, response) = get_keep_alive(port, "/roles?q=Jane%20Candidate%20Secret");
    assert!(
        response.starts_with("HTTP/1.1 303"),
        "anonymous: sent to sign in; {response}"
    );
    let token = "5ec2e7".repeat(10);
    for link in ["/setup/", "/invitations/", "/password-reset/"] {
        let (_s, response) = get_keep_alive(port, &format!("{link}{token}"));
        assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    }
    sigterm_and_wait(&mut child);
    let lines: Vec<String> = log.try_iter().collect();
    assert!(lines.iter().any(|l| l.contains("path=/roles")), "{lines:?}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Jane") || l.contains("Secret")),
        "{lines:?}"
    );
    for link in ["/setup/", "/invitations/", "/password-reset/"] {
        let redacted = format!("path={link}{{token}}");
        assert!(
            lines.iter().any(|l| l.contains(&redacted)),
            "{redacted} in {lines:?}"
        );
    }
    assert!(!lines.iter().any(|l| l.contains(&token)), "{lines:?}");
}

/// SIGTERM at the earliest moment, as soon as the port accepts connections, still shuts
/// down gracefully: the handlers are installed before anything listens.
#[test]
fn sigterm_right_after_start_is_handled_gracefully() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let (mut child, _log) = start(dir.path(), port);
        sigterm_and_wait(&mut child);
    }
}

/// One HTTP/1.1 request on a fresh connection: the status, the `name=value` of a session
/// cookie set, and the body.
fn http(port: u16, method: &str, path: &str, cookie: &str, form: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let set_cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|v| v.split(';').next())
        .unwrap_or(cookie)
        .to_owned();
    (status, set_cookie, body.to_owned())
}

/// Add a user with the CLI, as an operator would, in `dir`'s default database.
fn add_user(dir: &Path, email: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_attache"))
        .args([
            "users",
            "add",
            "--email",
            email,
            "--name",
            "Ana Ortiz",
            "--role",
            "recruiter",
        ])
        .current_dir(dir)
        .env("ATTACHE_PASSWORD", "a long enough password")
        .env_remove("ATTACHE_DATABASE_URL")
        .env_remove("ATTACHE_SEED_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Ask for a password reset through the running server, as a browser would.
fn request_reset(port: u16, email: &str) {
    let (status, cookie, page) = http(port, "GET", "/password-reset", "", "");
    assert_eq!(status, 200);
    let csrf = support::csrf_in(&page);
    let form = format!("email={}&csrf_token={csrf}", support::urlencode(email));
    let (status, _, body) = http(port, "POST", "/password-reset", &cookie, &form);
    assert_eq!(status, 200, "{body}");
}

fn wait_for<T>(what: &str, mut found: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(t) = found() {
            return t;
        }
        assert!(Instant::now() < deadline, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The served app sends mail through the SMTP server it is given, soon after the change,
/// and neither the address nor the link reaches the log.
#[test]
fn serve_sends_mail_through_the_configured_smtp_server() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    add_user(dir.path(), "ana.ortiz@example.org");
    let port = free_port();
    let (mut child, log) = start_with(dir.path(), port, &["--smtp-url", &smtp.url()]);
    request_reset(port, "ana.ortiz@example.org");
    let received = wait_for("the reset email", || smtp.received().pop());
    assert!(received.contains("To: ana.ortiz@example.org"), "{received}");
    let link = format!("http://127.0.0.1:{port}/password-reset/");
    assert!(received.contains(&link), "{received}");
    sigterm_and_wait(&mut child);
    let lines: Vec<String> = log.try_iter().collect();
    assert!(
        lines.iter().any(|l| l.contains("mail delivered")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("ana.ortiz")), "{lines:?}");
}

/// Without an SMTP server, mail lands as .eml files under the data directory.
#[test]
fn serve_without_smtp_writes_mail_to_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    add_user(dir.path(), "ana.ortiz@example.org");
    let port = free_port();
    let (mut child, _log) = start(dir.path(), port);
    request_reset(port, "ana.ortiz@example.org");
    let mail_dir = dir.path().join("data").join("mail");
    let eml = wait_for("an .eml file", || {
        std::fs::read_dir(&mail_dir)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
    });
    assert!(eml.contains("To: ana.ortiz@example.org"), "{eml}");
    sigterm_and_wait(&mut child);
}

/// Seed data is checked before the database is created: a bad `--seed-dir` stops
/// `attache serve` with a message naming the setting, and writes nothing.
#[test]
fn bad_seed_data_stops_serve_before_the_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    std::fs::create_dir(&seeds).unwrap();
    std::fs::write(seeds.join("broken.toml"), "slug = \"x\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_attache"))
        .args(["serve", "--bind", "127.0.0.1:0", "--seed-dir", "seeds"])
        .current_dir(dir.path())
        .env_remove("ATTACHE_DATABASE_URL")
        .env_remove("ATTACHE_SEED_DIR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("seeds (--seed-dir) has errors"), "{err}");
    assert!(err.contains("broken.toml:1"), "{err}");
    assert!(!dir.path().join("data").exists(), "no database was created");
}
