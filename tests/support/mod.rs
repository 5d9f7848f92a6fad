//! Test harness: `TestApp` drives the router in process over a fresh database per test.
//!
//! SQLite by default (a file in a temporary directory). With `TEST_DATABASE_URL` set to a
//! PostgreSQL URL, each test gets a new database cloned from a migrated template; the
//! template is named after the migrations and their source, so a schema change makes a new
//! one.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod process;

use std::sync::atomic::{AtomicU64, Ordering};

use attache_migrations::{Migrator, MigratorTrait};
use attache_web::AppState;
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tower::ServiceExt;

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside a test's runtime; use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, migrated, empty database.
pub async fn fresh_database() -> TestDb {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => fresh_postgres(&url).await,
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/test.db", dir.path().display());
            let db = attache_web::db::connect(&url).await.unwrap();
            Migrator::up(&db, None).await.unwrap();
            db.close().await.unwrap();
            TestDb {
                url,
                cleanup: Cleanup::Sqlite(dir),
            }
        }
    }
}

async fn fresh_postgres(admin_url: &str) -> TestDb {
    // Named after the migrations and their source, so that editing a migration (before
    // it is released) also makes a new template.
    let mut names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/src");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        names.push(std::fs::read_to_string(file).unwrap());
    }
    let hash = names
        .join(",")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let template = format!("attache_tpl_{hash:016x}");
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();

    // One connection, so the advisory lock and its release happen on the same session.
    let mut options = ConnectOptions::new(admin_url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    let admin = Database::connect(options).await.unwrap();
    admin
        .execute_unprepared("SELECT pg_advisory_lock(8675309)")
        .await
        .unwrap();
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
        ))
        .await
        .unwrap()
        .is_some();
    if !exists {
        let building = format!("{template}_building");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{building}\""))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
            .await
            .unwrap();
        let db = attache_web::db::connect(&format!("{base}/{building}"))
            .await
            .unwrap();
        Migrator::up(&db, None).await.unwrap();
        db.close().await.unwrap();
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
            ))
            .await
            .unwrap();
    }
    let name = format!("attache_test_{}", unique_suffix());
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
        ))
        .await
        .unwrap();
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(8675309)")
        .await
        .unwrap();
    admin.close().await.unwrap();
    TestDb {
        url: format!("{base}/{name}"),
        cleanup: Cleanup::Postgres {
            admin_url: admin_url.to_owned(),
            name,
        },
    }
}

/// The seed data shipped in the repository.
pub fn seed_roles() -> Vec<attache_core::Role> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seed-data");
    attache_core::seed::load_dir(&dir).unwrap()
}

/// The application over a fresh database with the seed data loaded.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: DatabaseConnection,
    pub database: TestDb,
    /// The signed-in session requests are sent with, if any.
    pub session: Option<Signed>,
    /// The user `with_user` created last.
    pub user: Option<TestUser>,
}

/// A session cookie and its CSRF token.
#[derive(Debug, Clone)]
pub struct Signed {
    pub cookie: String,
    pub csrf: String,
}

/// A user made for a test, with the password to sign in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i32,
    pub email: String,
    pub password: String,
    pub role: UserRole,
}

pub const PASSWORD: &str = "a test password, long enough";

/// The `name=value` of the session cookie a response sets, if it sets one.
pub fn session_cookie(r: &TestResponse) -> Option<String> {
    r.headers.get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let pair = v.split(';').next()?;
        pair.starts_with(&format!("{}=", attache_web::routes::SESSION_COOKIE))
            .then(|| pair.to_owned())
    })
}

/// The `name=value` of the anonymous CSRF cookie a response sets, if it sets one.
pub fn csrf_cookie(r: &TestResponse) -> Option<String> {
    r.headers.get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let pair = v.split(';').next()?;
        pair.starts_with(&format!("{}=", attache_web::auth::csrf::COOKIE))
            .then(|| pair.to_owned())
    })
}

/// The CSRF token in a page's forms.
pub fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        let database = fresh_database().await;
        let db = attache_web::db::connect(&database.url).await.unwrap();
        attache_web::services::roles::sync_seed(&db, &seed_roles())
            .await
            .unwrap();
        let state = AppState::new(db.clone(), Passwords::for_tests())
            .await
            .unwrap();
        TestApp {
            router: attache_web::app(state.clone()),
            state,
            db,
            database,
            session: None,
            user: None,
        }
    }

    /// Add a user with this role and sign in as them; later requests carry the session.
    pub async fn with_user(mut self, role: UserRole) -> TestApp {
        let user = self.add_user(role).await;
        self.session = Some(self.sign_in(&user.email, &user.password).await);
        self.user = Some(user);
        self
    }

    /// Send later requests without any session.
    pub fn anonymous(mut self) -> TestApp {
        self.session = None;
        self
    }

    /// Create a user with this role (and the test password) without signing in.
    pub async fn add_user(&self, role: UserRole) -> TestUser {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let email = format!("{}-{n}@example.org", role.as_str().replace('_', "-"));
        let hash = self
            .state
            .passwords
            .hash(PASSWORD.to_owned())
            .await
            .unwrap();
        let name = format!("Test {role}");
        let user =
            attache_web::services::users::create(&self.db, &email, &name, role, Some(hash), None)
                .await
                .unwrap();
        TestUser {
            id: user.id,
            email,
            password: PASSWORD.to_owned(),
            role,
        }
    }

    /// Sign in through the form, as a browser would, and return the new session.
    pub async fn sign_in(&self, email: &str, password: &str) -> Signed {
        let page = self.send(Method::GET, "/sign-in", &[], None, None).await;
        let cookie = csrf_cookie(&page).expect("the sign-in page sets a CSRF cookie");
        let csrf = csrf_in(&page.body);
        let form = format!(
            "email={}&password={}&csrf_token={csrf}",
            urlencode(email),
            urlencode(password)
        );
        let form_type = [("content-type", "application/x-www-form-urlencoded")];
        let r = self
            .send(
                Method::POST,
                "/sign-in",
                &form_type,
                Some(&cookie),
                Some(form),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            r.body
        );
        let cookie = session_cookie(&r).expect("signing in rotates the session id");
        let home = self.send(Method::GET, "/", &[], Some(&cookie), None).await;
        Signed {
            csrf: csrf_in(&home.body),
            cookie,
        }
    }

    /// A request with the current session, if any.
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let cookie = self.session.as_ref().map(|s| s.cookie.clone());
        self.send(method, uri, headers, cookie.as_deref(), None)
            .await
    }

    /// A form POST with the current session and its CSRF token.
    pub async fn post_form(&self, uri: &str, form: &str) -> TestResponse {
        self.form(Method::POST, uri, form).await
    }

    /// A form sent with this method, the current session and its CSRF token.
    pub async fn form(&self, method: Method, uri: &str, form: &str) -> TestResponse {
        let s = self.session.clone().expect("a form needs with_user");
        let sep = if form.is_empty() { "" } else { "&" };
        let body = format!("{form}{sep}csrf_token={}", s.csrf);
        let form_type = [("content-type", "application/x-www-form-urlencoded")];
        self.send(method, uri, &form_type, Some(&s.cookie), Some(body))
            .await
    }

    /// A JSON request with `Authorization: Bearer TOKEN` (no session, so no CSRF token).
    pub async fn json_with_token(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> TestResponse {
        let auth = format!("Bearer {token}");
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        self.send(method, uri, &headers, None, Some(body.to_string()))
            .await
    }

    /// [`TestApp::json_with_token`], answered as status and JSON (`null` for no body).
    pub async fn call_json(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let r = self.json_with_token(method, uri, token, &body).await;
        let json = if r.body.is_empty() {
            serde_json::Value::Null
        } else {
            r.json()
        };
        (r.status, json)
    }

    /// An API token for this user.
    pub async fn token_for(&self, user: &TestUser) -> String {
        attache_web::services::api_tokens::issue(&self.db, user.id, "test", None)
            .await
            .unwrap()
    }

    /// The lowest level: method, URI, headers, an optional cookie and body.
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        cookie: Option<&str>,
        body: Option<String>,
    ) -> TestResponse {
        self.send_from(None, method, uri, headers, cookie, body)
            .await
    }

    /// [`TestApp::send`] from a client at `peer`, as the server would see the connection.
    pub async fn send_from(
        &self,
        peer: Option<std::net::SocketAddr>,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        cookie: Option<&str>,
        body: Option<String>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let mut req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        if let Some(peer) = peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET without any session or token.
    pub async fn get_anonymously(&self, uri: &str) -> TestResponse {
        self.send(Method::GET, uri, &[], None, None).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Method::GET, uri, &[]).await
    }

    /// GET with `Authorization: Bearer TOKEN` and no session.
    pub async fn get_with_token(&self, uri: &str, token: &str) -> TestResponse {
        let auth = format!("Bearer {token}");
        self.send(Method::GET, uri, &[("authorization", &auth)], None, None)
            .await
    }

    /// An API token for a new user with this role.
    pub async fn token(&self, role: UserRole) -> String {
        let user = self.add_user(role).await;
        self.token_for(&user).await
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The outbox and helpers to read what was sent.
impl TestApp {
    /// How many candidates the database holds.
    pub async fn count_candidates(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        attache_web::entities::candidates::Entity::find()
            .count(&self.db)
            .await
            .unwrap()
    }

    /// The audit log's events of one action, oldest first.
    pub async fn audit(&self, action: &str) -> Vec<attache_web::entities::audit_events::Model> {
        use attache_web::entities::audit_events;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq(action))
            .order_by_asc(audit_events::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    /// Every outbox row, oldest first.
    pub async fn outbox(&self) -> Vec<attache_web::entities::mail_outbox::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        attache_web::entities::mail_outbox::Entity::find()
            .order_by_asc(attache_web::entities::mail_outbox::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    /// The newest email to `to`.
    pub async fn mail_to(&self, to: &str) -> attache_web::entities::mail_outbox::Model {
        self.outbox()
            .await
            .into_iter()
            .rev()
            .find(|m| m.to_address == to)
            .unwrap_or_else(|| panic!("no mail to {to}"))
    }

    /// Wait for the work requests started in the background (password-reset requests).
    pub async fn settle(&self) {
        self.state.background.close();
        self.state.background.wait().await;
        self.state.background.reopen();
    }

    /// An anonymous visit: a CSRF cookie and token from the sign-in page, then POST
    /// `form` to `action` with them. Returns the response and the session cookie.
    pub async fn anonymous_post(&self, action: &str, form: &str) -> (TestResponse, String) {
        let got = self.send(Method::GET, "/sign-in", &[], None, None).await;
        assert_eq!(got.status, StatusCode::OK);
        let cookie = csrf_cookie(&got).expect("the page sets a CSRF cookie");
        let sep = if form.is_empty() { "" } else { "&" };
        let body = format!("{form}{sep}csrf_token={}", csrf_in(&got.body));
        let form_type = [("content-type", "application/x-www-form-urlencoded")];
        let r = self
            .send(Method::POST, action, &form_type, Some(&cookie), Some(body))
            .await;
        let cookie = session_cookie(&r).unwrap_or(cookie);
        (r, cookie)
    }
}

/// The token of the first link to `prefix` (like "/password-reset/") in `text`.
pub fn link_token(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {text}"))
        + prefix.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// A real SMTP server (Debian's python3-aiosmtpd) that stores what it receives in a
/// Maildir. `None` when aiosmtpd is missing, except under CI, where that fails the test.
pub struct SmtpServer {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: std::process::Child,
}

impl SmtpServer {
    const PYTHON: &'static str = "/usr/bin/python3";

    /// Start on a free port.
    pub fn start() -> Option<SmtpServer> {
        SmtpServer::start_on(free_port())
    }

    /// Start on `port`, waiting until it accepts connections.
    pub fn start_on(port: u16) -> Option<SmtpServer> {
        let available = std::process::Command::new(Self::PYTHON)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !available {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3-aiosmtpd is required under CI (apt-get install python3-aiosmtpd)"
            );
            eprintln!("skipping: python3-aiosmtpd is not installed");
            return None;
        }
        let maildir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(Self::PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = SmtpServer {
            port,
            maildir,
            child,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received, raw, in no particular order.
    pub fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port nothing listens on (just now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `text/calendar` part of a raw MIME message, decoded (base64, quoted-printable or
/// plain).
pub fn calendar_part(message: &str) -> String {
    use base64::Engine;
    let message = message.replace("\r\n", "\n");
    let start = message
        .find("Content-Type: text/calendar")
        .unwrap_or_else(|| panic!("no calendar part in {message}"));
    let part = &message[start..];
    let (headers, body) = part.split_once("\n\n").unwrap();
    let body = body.split("\n--").next().unwrap();
    if headers.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    } else if headers.contains("quoted-printable") {
        let mut out = Vec::new();
        let bytes = body.replace("=\n", "").into_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    } else {
        body.to_owned()
    }
}
