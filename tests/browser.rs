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

/// The ids of the workspace objects the page check visits.
struct WorkspaceIds {
    requisition: i64,
    candidate: i64,
    application: i64,
    interview: i64,
}

/// A requisition with candidates at several stages (long names and titles among them, to
/// test wrapping) and an interview, made through the API.
async fn workspace_data(
    app: &TestApp,
    interviewer: &support::TestUser,
    also_on_panel: &support::TestUser,
) -> WorkspaceIds {
    use axum::http::Method;
    let recruiter = app.add_user(attache_web::auth::UserRole::Recruiter).await;
    let manager = app
        .add_user(attache_web::auth::UserRole::HiringManager)
        .await;
    let token = app.token_for(&recruiter).await;
    let call = |method: Method, uri: &'static str, body: serde_json::Value| {
        let token = token.clone();
        async move {
            let r = app.json_with_token(method, uri, &token, &body).await;
            assert!(r.status.is_success(), "{uri}: {}", r.body);
            r.json()
        }
    };
    let requisition = call(
        Method::POST,
        "/api/v1/requisitions",
        json!({"role": "track-two-diplomacy-practitioner", "title": "Track Two dialogue lead for the South Caucasus programme, Vienna office",
               "hiring_manager": manager.email, "panel": [interviewer.email]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let people = [
        (
            "Ana María Fernández-Villaverde de la Cruz",
            "ana.fernandez-villaverde@ministerio-asuntos-exteriores.example.org",
            "Second Track Diplomacy Lead",
        ),
        ("Kofi Mensah", "kofi@example.org", "Back-channel negotiator"),
        ("Lena Haas", "lena@example.org", "Consular officer"),
    ];
    let mut first = None;
    for (name, email, title) in people {
        let c = call(
            Method::POST,
            "/api/v1/candidates",
            json!({"name": name, "email": email, "current_title": title, "location": "Vienna",
                   "summary": "Convened unofficial dialogues between scholars and retired officials across the region; wrote the briefing notes that carried their ideas back to ministries.",
                   "requisition_id": requisition}),
        )
        .await;
        first.get_or_insert(c);
    }
    let first = first.unwrap();
    let application = first["application_id"].as_i64().unwrap();
    let interview = call(
        Method::POST,
        "/api/v1/interviews",
        json!({"application_id": application, "scheduled_at": "2031-03-04T10:00", "time_zone": "Europe/Vienna",
               "duration_minutes": 60, "location": "https://meet.example.org/a-rather-long-meeting-link-that-must-wrap-on-a-phone",
               "interviewers": [interviewer.email, also_on_panel.email]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    WorkspaceIds {
        requisition,
        candidate: first["id"].as_i64().unwrap(),
        application,
        interview,
    }
}

/// The current page at 390 px wide has no sideways scroll (and is saved as NAME-390.png
/// under `ATTACHE_SCREENSHOTS`, with NAME-1280.png); the window goes back to 1280 px.
async fn fits_a_phone(b: &Browser, name: &str) -> Result<(), fantoccini::error::CmdError> {
    let shots = std::env::var_os("ATTACHE_SCREENSHOTS").map(std::path::PathBuf::from);
    page_width(b, shots.as_deref(), &format!("{name}-1280")).await?;
    b.client.set_window_size(390, 900).await?;
    let inner = b.client.execute("return window.innerWidth", vec![]).await?;
    let width = page_width(b, shots.as_deref(), &format!("{name}-390")).await?;
    b.client.set_window_size(1280, 900).await?;
    assert!(
        width <= inner.as_i64().unwrap(),
        "{name}: {width} px wide in a {inner} px window"
    );
    Ok(())
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
    let ids = workspace_data(&app, &other, &admin).await;
    let browser = Browser::open(&app).await;
    let shots = std::env::var_os("ATTACHE_SCREENSHOTS").map(std::path::PathBuf::from);
    let shots = shots.as_deref();
    let signed_out = [
        ("sign-in", "/sign-in"),
        ("password-reset", "/password-reset"),
    ];
    let signed_in = [
        ("home", "/".to_owned()),
        ("roles", "/roles".to_owned()),
        ("roles-search", "/roles?q=track+ii".to_owned()),
        ("roles-no-match", "/roles?q=zzzz+qqqq".to_owned()),
        ("role", "/roles/track-two-diplomacy-practitioner".to_owned()),
        (
            "role-kit",
            "/roles/track-two-diplomacy-practitioner/kit".to_owned(),
        ),
        ("account", "/account".to_owned()),
        ("admin-users", "/admin/users".to_owned()),
        ("not-found", "/roles/no-such-role".to_owned()),
        ("requisitions", "/requisitions".to_owned()),
        (
            "requisition-new",
            "/requisitions/new?role=mediator".to_owned(),
        ),
        ("requisition", format!("/requisitions/{}", ids.requisition)),
        (
            "requisition-edit",
            format!("/requisitions/{}/edit", ids.requisition),
        ),
        (
            "requisition-import",
            format!("/requisitions/{}/import", ids.requisition),
        ),
        ("candidates", "/candidates".to_owned()),
        ("candidates-search", "/candidates?q=track+ii".to_owned()),
        ("candidate", format!("/candidates/{}", ids.candidate)),
        ("candidate-new", "/candidates/new".to_owned()),
        (
            "candidate-edit",
            format!("/candidates/{}/edit", ids.candidate),
        ),
        (
            "interview-new",
            format!("/applications/{}/interviews/new", ids.application),
        ),
        ("interviews", "/interviews".to_owned()),
        ("interview", format!("/interviews/{}", ids.interview)),
        (
            "interview-kit",
            format!("/interviews/{}/kit", ids.interview),
        ),
        (
            "comparison",
            format!("/requisitions/{}/comparison", ids.requisition),
        ),
        (
            "application-scorecards",
            format!("/applications/{}/scorecards", ids.application),
        ),
        (
            "interview-cancel",
            format!("/interviews/{}/cancel", ids.interview),
        ),
        (
            "scorecard",
            format!("/interviews/{}/scorecard", ids.interview),
        ),
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
            for (name, path) in &signed_in {
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

/// The recruiter's day in Chromium: find a role by a synonym, open a requisition for it,
/// import candidates (a file with a bad row imports nothing; the fixed file imports),
/// find a candidate by another of the role's names, and schedule an interview; the
/// interviewer's invitation arrives over SMTP with a valid calendar file.
#[tokio::test]
async fn a_recruiter_opens_a_requisition_imports_candidates_and_schedules_an_interview() {
    use attache_web::auth::UserRole;
    if !browser_available() {
        return;
    }
    let Some(smtp) = support::SmtpServer::start() else {
        return;
    };
    let app = TestApp::new().await;
    let recruiter = app.add_user(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    let interviewer = app.add_user(UserRole::Interviewer).await;
    let browser = Browser::open(&app).await;
    let files = tempfile::tempdir().unwrap();
    let bad = files.path().join("bad.csv");
    let good = files.path().join("good.csv");
    let header = "name,email,current_title,location\n";
    let rows = "Ana Ruiz,ana.ruiz@example.org,Second Track Diplomacy Lead,Vienna\n\
                Kofi Mensah,kofi@example.org,Back-channel negotiator,Accra\n";
    std::fs::write(
        &bad,
        format!("{header}{rows}Lena Haas,not-an-email,Consular officer,Bern\n"),
    )
    .unwrap();
    std::fs::write(
        &good,
        format!("{header}{rows}Lena Haas,lena@example.org,Consular officer,Bern\n"),
    )
    .unwrap();

    let result = async {
        let b = &browser;
        let c = &b.client;
        c.goto(&format!("{}/sign-in", b.base)).await?;
        b.fill("email", &recruiter.email).await?;
        b.fill("password", &recruiter.password).await?;
        b.submit().await?;
        b.text_of("#role-search").await?;

        // A synonym finds the role; the role page opens a requisition for it.
        c.goto(&format!("{}/roles", b.base)).await?;
        b.fill("role-search", "Track II").await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#results li a.result-title"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::LinkText("Open a requisition for this role"))
            .await?
            .click()
            .await?;
        b.fill("title", "Dialogue lead, Vienna").await?;
        c.find(Locator::Css(&format!(
            "#hiring_manager option[value='{}']",
            manager.email
        )))
        .await?
        .click()
        .await?;
        c.find(Locator::Css(&format!(
            "input[name=panel][value='{}']",
            interviewer.email
        )))
        .await?
        .click()
        .await?;
        b.submit().await?;
        let notice = b.text_of("p.notice").await?;
        assert!(notice.starts_with("Requisition opened"), "{notice}");

        // A file with one bad row imports nothing and names the row.
        c.find(Locator::LinkText("Import from CSV"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("file"))
            .await?
            .send_keys(bad.to_str().unwrap())
            .await?;
        b.submit().await?;
        let problem = b.text_of(".form-error").await?;
        assert!(problem.contains("Nothing was imported"), "{problem}");
        fits_a_phone(b, "import-errors").await?;
        assert!(
            problem.contains("not-an-email") || problem.contains("email"),
            "{problem}"
        );
        assert_eq!(app.count_candidates().await, 0);
        // The fixed file: check, then import.
        c.find(Locator::Id("file"))
            .await?
            .send_keys(good.to_str().unwrap())
            .await?;
        b.submit().await?;
        // The preview's heading exists only on the new page; the old one had a submit
        // button too.
        b.text_of("#preview-title").await?;
        let confirm = b.text_of("main form button[type=submit]").await?;
        assert_eq!(confirm, "Import 3 rows");
        fits_a_phone(b, "import-preview").await?;
        b.submit().await?;
        let notice = b.text_of("p.notice").await?;
        assert_eq!(notice, "Candidates imported.");
        assert_eq!(app.count_candidates().await, 3);

        // Another of the role's names finds Ana, whose title says neither "Track" nor "II".
        c.goto(&format!("{}/candidates", b.base)).await?;
        b.fill("q", "back-channel").await?;
        b.submit().await?;
        // The box that says which role the query named appears only with the results.
        let named = b.text_of(".expansion p").await?;
        assert!(named.contains("Track Two"), "{named}");
        let first = b.text_of("ol.candidates li a.result-title").await?;
        let names: Vec<String> = {
            let mut out = Vec::new();
            for e in c
                .find_all(Locator::Css("ol.candidates li a.result-title"))
                .await?
            {
                out.push(e.text().await?);
            }
            out
        };
        assert!(
            names.contains(&"Kofi Mensah".to_owned()),
            "{first} {names:?}"
        );
        assert!(names.contains(&"Ana Ruiz".to_owned()), "{names:?}");
        assert!(!names.contains(&"Lena Haas".to_owned()), "{names:?}");
        c.find(Locator::LinkText("Ana Ruiz")).await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::LinkText("Schedule an interview"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("starts_at"))
            .await?;
        // A datetime-local input takes its value from script most reliably.
        c.execute(
            "document.getElementById('starts_at').value = '2031-03-04T10:00'",
            vec![],
        )
        .await?;
        c.find(Locator::Id("time_zone")).await?.clear().await?;
        b.fill("time_zone", "Europe/Vienna").await?;
        b.fill("location", "https://meet.example.org/ana").await?;
        b.submit().await?;
        let notice = b.text_of("p.notice").await?;
        assert!(notice.starts_with("Interview scheduled"), "{notice}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await;
    result.unwrap();

    // The outbox worker sends the invitation over real SMTP.
    let transport =
        attache_web::mail::delivery::Transport::new(Some(&smtp.url()), Path::new("unused"))
            .unwrap();
    let worker = attache_web::mail::delivery::Worker::new(
        app.db.clone(),
        transport,
        "Attaché <attache@example.org>",
    )
    .unwrap();
    worker.deliver_due(chrono::Utc::now()).await.unwrap();
    let received = smtp.received();
    let message = received
        .iter()
        .find(|m| m.contains(&format!("To: {}", interviewer.email)))
        .unwrap_or_else(|| panic!("no invitation for the interviewer in {received:#?}"));
    assert!(message.contains("Interview with Ana Ruiz"), "{message}");
    let ics = support::calendar_part(message);
    let calendar: icalendar::Calendar = ics.parse().expect("a valid iCalendar file");
    let event = calendar.events().next().expect("one event");
    use icalendar::Component;
    assert!(event.get_uid().unwrap().starts_with("interview-"));
    assert_eq!(event.get_sequence(), Some(0));
    assert!(ics.contains("DTSTART:20310304T090000Z"), "{ics}");
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
}

/// An interviewer scores in Chromium with the keyboard: the draft saves itself, a reload
/// finds it, submitting locks it; the other interviewer sees none of it until theirs is in.
#[tokio::test]
async fn an_interviewer_scores_with_the_keyboard_and_the_panel_stays_blind() {
    use attache_web::auth::UserRole;
    use fantoccini::key::Key;
    if !browser_available() {
        return;
    }
    let app = TestApp::new().await;
    let first = app.add_user(UserRole::Interviewer).await;
    let second = app.add_user(UserRole::Interviewer).await;
    let recruiter = app.add_user(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    let token = app.token_for(&recruiter).await;
    let post = |uri: &'static str, body: serde_json::Value| {
        let token = token.clone();
        let app = &app;
        async move {
            app.json_with_token(axum::http::Method::POST, uri, &token, &body)
                .await
                .json()
        }
    };
    let r = post(
        "/api/v1/requisitions",
        json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email}),
    )
    .await;
    let c = post("/api/v1/candidates", json!({"name": "Kofi Mensah", "email": "kofi@example.org", "current_title": "Back-channel negotiator", "requisition_id": r["id"]})).await;
    let i = post(
        "/api/v1/interviews",
        json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z",
        "duration_minutes": 45, "interviewers": [first.email, second.email]}),
    )
    .await;
    let id = i["id"].as_i64().unwrap();
    let browser = Browser::open(&app).await;
    let result = async {
        let b = &browser;
        let c = &b.client;
        let sign_in = |user: &support::TestUser| {
            let user = user.clone();
            async move {
                c.goto(&format!("{}/sign-in", b.base)).await?;
                b.fill("email", &user.email).await?;
                b.fill("password", &user.password).await?;
                b.submit().await?;
                b.text_of("#role-search").await?;
                Ok::<_, fantoccini::error::CmdError>(())
            }
        };
        sign_in(&first).await?;
        c.goto(&format!("{}/interviews/{id}/scorecard", b.base))
            .await?;
        // Space picks the first level of the first criterion; the right arrow moves to 2.
        let radio = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("fieldset.criterion input[type=radio]"))
            .await?;
        radio.send_keys(" ").await?;
        radio.send_keys(&Key::Right.to_string()).await?;
        let summary = c.find(Locator::Id("summary")).await?;
        summary.send_keys("Patient, asks before proposing.").await?;
        let saved = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(
                "//p[@id='save-status' and contains(., 'Draft saved')]",
            ))
            .await?
            .text()
            .await?;
        assert!(saved.starts_with("Draft saved"), "{saved}");
        c.refresh().await?;
        let checked = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("fieldset.criterion input[type=radio]:checked"))
            .await?;
        assert_eq!(
            checked.attr("value").await?.as_deref(),
            Some("2"),
            "the draft came back"
        );
        assert_eq!(
            c.find(Locator::Id("summary"))
                .await?
                .prop("value")
                .await?
                .as_deref(),
            Some("Patient, asks before proposing.")
        );
        let yes = c
            .find(Locator::Css("input[name=recommendation][value=yes]"))
            .await?;
        yes.send_keys(" ").await?;
        c.find(Locator::Css("button[name=action][value=submit]"))
            .await?
            .click()
            .await?;
        let notice = b.text_of("p.notice").await?;
        assert!(notice.starts_with("Scorecard submitted"), "{notice}");

        // The second interviewer: no trace of the first's scorecard until theirs is in.
        c.find(Locator::Css("form[action='/sign-out'] button"))
            .await?
            .click()
            .await?;
        b.text_of("#email").await?;
        sign_in(&second).await?;
        c.goto(&format!("{}/interviews/{id}", b.base)).await?;
        let body = b.text_of("main").await?;
        assert!(!body.contains("Patient, asks before proposing."), "{body}");
        assert!(body.contains("once yours is submitted"), "{body}");
        c.goto(&format!("{}/interviews/{id}/scorecard", b.base))
            .await?;
        let body = b.text_of("main").await?;
        assert!(!body.contains("Patient, asks before proposing."), "{body}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await;
    result.unwrap();
}

/// A hiring manager opens the comparison of the demo's first opening, switches to
/// adjusted scores, opens a flagged cell's scorecards and records a decision; both pages,
/// full of data, fit a phone.
#[tokio::test]
async fn a_hiring_manager_compares_adjusts_opens_a_flag_and_decides() {
    use sea_orm::{EntityTrait, QueryOrder};
    if !browser_available() {
        return;
    }
    let app = TestApp::new().await;
    let report = attache_web::services::demo::populate(&app.state, 400, 1, |_| {})
        .await
        .unwrap();
    assert!(report.scorecards > 0, "{report:?}");
    let requisition = attache_web::entities::requisitions::Entity::find()
        .order_by_asc(attache_web::entities::requisitions::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let browser = Browser::open(&app).await;
    let result = async {
        let b = &browser;
        let c = &b.client;
        c.goto(&format!("{}/sign-in", b.base)).await?;
        b.fill("email", "daniel@attache.example").await?;
        b.fill("password", attache_web::services::demo::PASSWORD)
            .await?;
        b.submit().await?;
        b.text_of("#role-search").await?;
        c.goto(&format!(
            "{}/requisitions/{}/comparison",
            b.base, requisition.id
        ))
        .await?;
        let agreement = b.text_of("#agreement-title").await?;
        assert_eq!(agreement, "Does the panel agree?");
        fits_a_phone(b, "comparison-demo").await?;
        let raw = b.text_of("table.matrix tbody tr td.total strong").await?;
        c.find(Locator::Css("input[name=scores][value=adjusted]"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("form.filters button[type=submit]"))
            .await?
            .click()
            .await?;
        let notice = b.text_of("#adjusted-notice").await?;
        assert!(notice.starts_with("Showing adjusted scores"), "{notice}");
        let adjusted = b.text_of("table.matrix tbody tr td.total strong").await?;
        assert!(!raw.is_empty() && !adjusted.is_empty());
        // A flagged cell leads to the scorecards behind it.
        let flagged = c
            .find(Locator::Css("table.matrix td.cell.flagged a"))
            .await?;
        flagged.click().await?;
        let heading = b.text_of("#decision-title").await?;
        assert_eq!(heading, "Decision");
        fits_a_phone(b, "scorecards-demo").await?;
        let cards = c.find_all(Locator::Css("section.scorecard-read")).await?;
        assert!(cards.len() >= 2, "the panel's scorecards");
        c.find(Locator::Css("input[name=decision][value=hold]"))
            .await?
            .click()
            .await?;
        b.fill(
            "reason",
            "The panel split on this question; one more interview first.",
        )
        .await?;
        c.find(Locator::Css(
            "form[action$='/decision'] button[type=submit]",
        ))
        .await?
        .click()
        .await?;
        let notice = b.text_of("p.notice").await?;
        assert!(notice.starts_with("Decision recorded"), "{notice}");
        let body = b.text_of("#decision-title + p").await?;
        assert!(body.contains("one more interview first"), "{body}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await;
    result.unwrap();
}
