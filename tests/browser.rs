//! A recruiter's first minutes, in real headless Chromium driven through WebDriver:
//! search "track ii" on the home page, open the Track Two role, read its rubric.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Under CI a
//! missing browser fails the test; elsewhere it is reported and skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use support::{TestApp, free_port};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn browser_available() -> bool {
    if Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists() {
        return true;
    }
    let message = format!(
        "browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    eprintln!("SKIPPED: {message}");
    false
}

async fn start_driver() -> (Driver, String) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (driver, format!("http://127.0.0.1:{port}"))
}

/// The app served on a real port, and a headless Chromium session pointed at it.
struct Browser {
    client: fantoccini::Client,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Serve `app` (with links in mail pointing at the real port) and open Chromium.
    async fn open(app: &TestApp) -> Browser {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = app.state.clone();
        state.mail = attache_web::mail::Mail::new(base.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(attache_web::server::run(
            listener,
            state,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(1),
        ));
        let (driver, driver_url) = start_driver().await;
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&driver_url)
            .await
            .expect("start a Chromium session");
        Browser {
            client,
            base,
            stop,
            server,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Close the browser and stop the server.
    async fn close(self) {
        self.client.close().await.unwrap();
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }

    /// Type into the field with this id.
    async fn fill(&self, id: &str, text: &str) -> Result<(), fantoccini::error::CmdError> {
        self.client
            .find(Locator::Id(id))
            .await?
            .send_keys(text)
            .await
    }

    /// Submit the page's main form.
    async fn submit(&self) -> Result<(), fantoccini::error::CmdError> {
        self.client
            .find(Locator::Css("main form button[type=submit]"))
            .await?
            .click()
            .await
    }

    /// Wait for an element to appear, and return its text.
    async fn text_of(&self, css: &str) -> Result<String, fantoccini::error::CmdError> {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await?
            .text()
            .await
    }
}

#[tokio::test]
async fn recruiter_finds_track_two_from_the_home_page_and_reads_its_rubric() {
    if !browser_available() {
        return;
    }
    let app = TestApp::new().await;
    let user = app.add_user(attache_web::auth::UserRole::Recruiter).await;
    let browser = Browser::open(&app).await;
    let (client, base) = (&browser.client, &browser.base);

    let result = async {
        // Signed out, the home page sends the recruiter to sign in, then back.
        client.goto(&format!("{base}/")).await?;
        client
            .find(Locator::Id("email"))
            .await?
            .send_keys(&user.email)
            .await?;
        client
            .find(Locator::Id("password"))
            .await?
            .send_keys(&user.password)
            .await?;
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        let search = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("role-search"))
            .await?;
        search.send_keys("track ii").await?;
        // htmx swaps the live results in as the recruiter types.
        let first = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#results ol.results li a.result-title"))
            .await?;
        assert_eq!(first.text().await?, "Track Two Diplomacy Practitioners");
        let matched = client.find(Locator::Css("#results li mark")).await?;
        assert_eq!(matched.text().await?, "Track II");
        let url = client.current_url().await?;
        let q = url
            .query_pairs()
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned());
        assert_eq!(
            (url.path(), q.as_deref()),
            ("/roles", Some("track ii")),
            "the URL follows the search, so it can be shared"
        );

        first.click().await?;
        let h1 = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("article.role h1"))
            .await?;
        assert_eq!(h1.text().await?, "Track Two Diplomacy Practitioners");
        let rubric = client.find(Locator::Css("table.rubric")).await?;
        let caption = rubric.find(Locator::Css("caption")).await?;
        assert_eq!(caption.text().await?, "Explains what makes it unofficial");
        let anchors = rubric.find_all(Locator::Css("tbody td")).await?;
        assert_eq!(anchors.len(), 4);
        assert!(
            anchors[3]
                .text()
                .await?
                .starts_with("Explains the unofficial status and its trade-off")
        );
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;

    browser.close().await;
    result.unwrap();
}

/// Someone who forgot their password asks for a link, follows it from the email, chooses a
/// new password and signs in with it.
#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_emailed_link() {
    if !browser_available() {
        return;
    }
    let app = TestApp::new().await;
    let user = app.add_user(attache_web::auth::UserRole::Interviewer).await;
    let browser = Browser::open(&app).await;
    let new_password = "a freshly chosen passphrase";

    let result = async {
        let b = &browser;
        b.client.goto(&format!("{}/sign-in", b.base)).await?;
        b.client
            .find(Locator::LinkText("Forgot your password?"))
            .await?
            .click()
            .await?;
        b.text_of("#reset-title").await?;
        b.fill("email", &user.email).await?;
        b.submit().await?;
        let sent = b.text_of("p[role=status]").await?;
        assert!(sent.contains(&user.email), "{sent}");

        app.settle().await;
        let mail = app.outbox().await.pop().expect("the reset email");
        let link = mail
            .text_body
            .lines()
            .find(|l| l.starts_with(&format!("{}/password-reset/", b.base)))
            .expect("a link to this server")
            .to_owned();
        b.client.goto(&link).await?;
        b.fill("password", new_password).await?;
        b.fill("confirm", new_password).await?;
        b.submit().await?;
        let notice = b.text_of("p.notice").await?;
        assert_eq!(
            notice,
            "Your password has changed. Sign in with the new one."
        );

        b.fill("email", &user.email).await?;
        b.fill("password", new_password).await?;
        b.submit().await?;
        b.text_of("#role-search").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;

    browser.close().await;
    result.unwrap();
}

/// The page's scroll width, after saving a screenshot of it to `shots` if given.
async fn page_width(
    b: &Browser,
    shots: Option<&Path>,
    name: &str,
) -> Result<i64, fantoccini::error::CmdError> {
    if let Some(dir) = shots {
        let png = b.client.screenshot().await?;
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
    let width = b
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await?;
    Ok(width.as_i64().unwrap())
}

/// Every page fits a phone (390 px) and a laptop (1366 px) without scrolling sideways.
/// With `ATTACHE_SCREENSHOTS=DIR` set, each page is also saved there as a PNG to look at.
#[tokio::test]
async fn every_page_fits_a_phone_and_a_laptop_without_sideways_scroll() {
    if !browser_available() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.add_user(attache_web::auth::UserRole::Admin).await;
    let other = app.add_user(attache_web::auth::UserRole::Interviewer).await;
    let browser = Browser::open(&app).await;
    let shots = std::env::var_os("ATTACHE_SCREENSHOTS").map(std::path::PathBuf::from);
    let shots = shots.as_deref();
    let signed_out = [
        ("sign-in", "/sign-in"),
        ("password-reset", "/password-reset"),
    ];
    let signed_in = [
        ("home", "/"),
        ("roles", "/roles"),
        ("roles-search", "/roles?q=track+ii"),
        ("roles-no-match", "/roles?q=zzzz+qqqq"),
        ("role", "/roles/track-two-diplomacy-practitioner"),
        ("role-kit", "/roles/track-two-diplomacy-practitioner/kit"),
        ("account", "/account"),
        ("admin-users", "/admin/users"),
        ("not-found", "/roles/no-such-role"),
    ];

    let result = async {
        let b = &browser;
        let mut overflowing = Vec::new();
        for width in [390_u32, 1366] {
            b.client.set_window_size(width, 900).await?;
            // The window's inner width, which every page must fit.
            let inner = b.client.execute("return window.innerWidth", vec![]).await?;
            let inner = inner.as_i64().unwrap();
            let mut visited = Vec::new();
            for (name, path) in signed_out {
                b.client.goto(&format!("{}{path}", b.base)).await?;
                let name = format!("{name}-{width}");
                visited.push((page_width(b, shots, &name).await?, name));
            }
            b.client.goto(&format!("{}/sign-in", b.base)).await?;
            b.fill("email", &admin.email).await?;
            b.fill("password", &admin.password).await?;
            b.submit().await?;
            b.text_of("#role-search").await?;
            for (name, path) in signed_in {
                b.client.goto(&format!("{}{path}", b.base)).await?;
                let name = format!("{name}-{width}");
                visited.push((page_width(b, shots, &name).await?, name));
            }
            // A confirmation page: deactivating someone asks first.
            b.client.goto(&format!("{}/admin/users", b.base)).await?;
            let deactivate = format!("form[action='/admin/users/{}/active'] button", other.id);
            b.client
                .find(Locator::Css(&deactivate))
                .await?
                .click()
                .await?;
            b.text_of("main form button.danger").await?;
            let name = format!("confirm-{width}");
            visited.push((page_width(b, shots, &name).await?, name));
            for (scroll, name) in visited {
                if scroll > inner {
                    overflowing.push(format!("{name}: {scroll} px wide in a {inner} px window"));
                }
            }
            // Sign out before the next width.
            b.client
                .find(Locator::Css("form[action='/sign-out'] button"))
                .await?
                .click()
                .await?;
            b.text_of("#email").await?;
        }
        Ok::<_, fantoccini::error::CmdError>(overflowing)
    }
    .await;

    browser.close().await;
    let overflowing = result.unwrap();
    assert!(
        overflowing.is_empty(),
        "pages scroll sideways: {overflowing:#?}"
    );
}
