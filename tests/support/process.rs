//! A real `attache serve` process, raw HTTP/1.1 requests to it, and a scoring panel to
//! load it with: for the tests that kill, stop, run two of, or overload the server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use attache_web::auth::UserRole;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{TestApp, TestUser};

/// Start `attache serve` on `port` over `database_url`, in `dir`, with `extra` arguments,
/// and wait until it answers `/healthz`.
pub fn serve(database_url: &str, dir: &Path, port: u16, extra: &[&str]) -> Child {
    let child = spawn_serve(database_url, dir, port, extra);
    wait_until_up(port);
    child
}

/// Start `attache serve` as [`serve`] does, without waiting for it.
pub fn spawn_serve(database_url: &str, dir: &Path, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_attache"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("ATTACHE_DATABASE_URL", database_url)
        .env_remove("ATTACHE_SEED_DIR")
        .env("ATTACHE_LOG", "warn")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Wait (a minute at most) until something on `port` answers `/healthz`.
pub fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while request(port, "GET", "/healthz", "", "", "").is_none() {
        assert!(Instant::now() < deadline, "attache serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Send SIGTERM to `child`.
pub fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// What came back for one request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// `Set-Cookie` values, each as name=value.
    pub cookies: Vec<String>,
    pub body: String,
    /// Whether the body is as long as `Content-Length` said (or the header was absent).
    pub whole: bool,
}

/// One HTTP/1.1 request with one header of the caller's (or none) and a body of type
/// `kind`; `None` when nothing answers on `port` or the connection broke before a
/// response began.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    header: &str,
    kind: &str,
    body: &str,
) -> Option<Answer> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let header = if header.is_empty() {
        String::new()
    } else {
        format!("{header}\r\n")
    };
    let kind = if kind.is_empty() {
        String::new()
    } else {
        format!("Content-Type: {kind}\r\n")
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{header}{kind}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let out = String::from_utf8_lossy(&raw);
    let (head, body) = out.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let mut cookies = Vec::new();
    let mut length = None;
    for line in head.lines() {
        let Some((name, value)) = line.split_once(": ") else {
            continue;
        };
        if name.eq_ignore_ascii_case("set-cookie") {
            cookies.extend(value.split(';').next().map(str::to_owned));
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    Some(Answer {
        status,
        cookies,
        whole: length.is_none_or(|n| n == body.len()),
        body: body.to_owned(),
    })
}

/// A JSON request with a bearer token (`body` empty: a GET).
pub fn api(port: u16, method: &str, path: &str, token: &str, body: &str) -> Option<Answer> {
    let auth = format!("Authorization: Bearer {token}");
    let kind = if body.is_empty() {
        ""
    } else {
        "application/json"
    };
    request(port, method, path, &auth, kind, body)
}

/// Sign `user` in on the server at `port`; the session cookie to send.
pub fn sign_in(port: u16, user: &TestUser) -> String {
    let form = "application/x-www-form-urlencoded";
    let page = request(port, "GET", "/sign-in", "", "", "").unwrap();
    let body = format!(
        "email={}&password={}&csrf_token={}",
        super::urlencode(&user.email),
        super::urlencode(&user.password),
        super::csrf_in(&page.body)
    );
    let cookie = format!("Cookie: {}", page.cookies.join("; "));
    let signed = request(port, "POST", "/sign-in", &cookie, form, &body).unwrap();
    assert_eq!(signed.status, 303, "{}", signed.body);
    signed.cookies.join("; ")
}

/// `user`'s scorecard for `interview`, if there is one.
pub async fn scorecard_of(
    db: &sea_orm::DatabaseConnection,
    interview: i64,
    user: i32,
) -> Option<attache_web::entities::scorecards::Model> {
    use attache_web::entities::scorecards;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    scorecards::Entity::find()
        .filter(scorecards::Column::InterviewId.eq(i32::try_from(interview).unwrap()))
        .filter(scorecards::Column::InterviewerId.eq(user))
        .one(db)
        .await
        .unwrap()
}

/// How many revisions a scorecard has kept (the submission is the first).
pub async fn revisions_of(db: &sea_orm::DatabaseConnection, scorecard: i32) -> u64 {
    use attache_web::entities::scorecard_revisions;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    scorecard_revisions::Entity::find()
        .filter(scorecard_revisions::Column::ScorecardId.eq(scorecard))
        .count(db)
        .await
        .unwrap()
}

/// A requisition with interviews on it, each with the same panel of interviewers, and a
/// full scorecard they can submit to any of them.
pub struct ScoringPanel {
    pub recruiter: String,
    pub manager: TestUser,
    pub manager_token: String,
    pub requisition: i64,
    /// Each interviewer with their API token.
    pub interviewers: Vec<(TestUser, String)>,
    pub interviews: Vec<i64>,
    /// The application behind each interview.
    pub applications: Vec<i64>,
    /// A complete scorecard for the kit, as JSON: every criterion rated 3.
    pub scorecard: Value,
    /// How many ratings the scorecard holds.
    pub ratings: u64,
}

impl ScoringPanel {
    /// `interviews` interviews of the mediator role, each with `interviewers` on the panel.
    pub async fn new(app: &TestApp, interviewers: usize, interviews: usize) -> ScoringPanel {
        let recruiter = app.token(UserRole::Recruiter).await;
        let manager = app.add_user(UserRole::HiringManager).await;
        let manager_token = app.token_for(&manager).await;
        let mut panel = Vec::new();
        for _ in 0..interviewers {
            let u = app.add_user(UserRole::Interviewer).await;
            let token = app.token_for(&u).await;
            panel.push((u, token));
        }
        let (_, r) = app
            .call_json(Method::POST, "/api/v1/requisitions", &recruiter,
                json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email}))
            .await;
        let emails: Vec<&str> = panel.iter().map(|(u, _)| u.email.as_str()).collect();
        let (mut ids, mut applications, mut kit) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..interviews {
            let (_, c) = app
                .call_json(Method::POST, "/api/v1/candidates", &recruiter,
                    json!({"name": format!("Candidate {n}"), "email": format!("c{n}@example.org"), "requisition_id": r["id"]}))
                .await;
            let (status, i) = app
                .call_json(Method::POST, "/api/v1/interviews", &recruiter,
                    json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z",
                           "duration_minutes": 60, "interviewers": emails}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{i}");
            ids.push(i["id"].as_i64().unwrap());
            applications.push(c["application_id"].as_i64().unwrap());
            kit = i["questions"].as_array().unwrap().clone();
        }
        let role: Value = app
            .get_with_token("/api/v1/roles/mediator", &recruiter)
            .await
            .json();
        let ratings: Vec<Value> = role["questions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| kit.contains(&q["id"]))
            .flat_map(|q| {
                q["criteria"].as_array().unwrap().iter().map(move |c| {
                    json!({"question": q["id"], "criterion": c["id"], "score": 3, "note": "Concrete example."})
                })
            })
            .collect();
        ScoringPanel {
            recruiter,
            manager,
            manager_token,
            requisition: r["id"].as_i64().unwrap(),
            interviewers: panel,
            interviews: ids,
            applications,
            ratings: ratings.len() as u64,
            scorecard: json!({"ratings": ratings, "recommendation": "yes", "summary": "Listens first."}),
        }
    }
}
