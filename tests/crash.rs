//! Crash safety: interviewers submit scorecards to a real `attache serve` while it is killed
//! with SIGKILL; after a restart every acknowledged scorecard is there, whole, and no
//! scorecard is half written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attache_web::auth::UserRole;
use attache_web::entities::{ratings, scorecard_revisions, scorecards};
use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use support::{TestApp, free_port};

const INTERVIEWERS: usize = 6;
const INTERVIEWS: usize = 12;

fn serve(database_url: &str, dir: &std::path::Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_attache"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("ATTACHE_DATABASE_URL", database_url)
        .env_remove("ATTACHE_SEED_DIR")
        .env("ATTACHE_LOG", "warn")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while post(port, "/healthz", "", "").is_none() {
        assert!(Instant::now() < deadline, "attache serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// One HTTP/1.1 request; the status, or `None` when the server is not there (or died
/// before answering).
fn post(port: u16, path: &str, token: &str, body: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let method = if body.is_empty() { "GET" } else { "POST" };
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn a_killed_server_loses_no_acknowledged_scorecard_and_leaves_none_half_written() {
    let app = TestApp::new().await;
    let recruiter = app.token(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    let mut panel = Vec::new();
    for _ in 0..INTERVIEWERS {
        let u = app.add_user(UserRole::Interviewer).await;
        let token = app.token_for(&u).await;
        panel.push((u, token));
    }
    let (_, r) = app
        .call_json(Method::POST, "/api/v1/requisitions", &recruiter,
            json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email}))
        .await;
    let emails: Vec<&str> = panel.iter().map(|(u, _)| u.email.as_str()).collect();
    let mut interviews = Vec::new();
    let mut kit = Vec::new();
    for n in 0..INTERVIEWS {
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
        interviews.push(i["id"].as_i64().unwrap());
        kit = i["questions"].as_array().unwrap().clone();
    }
    let role: Value = app
        .get_with_token("/api/v1/roles/mediator", &recruiter)
        .await
        .json();
    let ratings_body: Vec<Value> = role["questions"]
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
    let per_card = ratings_body.len() as u64;
    let body =
        json!({"ratings": ratings_body, "recommendation": "yes", "summary": "Listens first."})
            .to_string();

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = app.database.url.clone();
    let mut server = serve(&url, dir.path(), port);

    // Every interviewer submits to every interview, in their own thread; the server is
    // killed once a dozen submissions are acknowledged.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for (n, (user, token)) in panel.iter().enumerate() {
        let (token, body, interviews) = (token.clone(), body.clone(), interviews.clone());
        let (acknowledged, count, user) = (Arc::clone(&acknowledged), Arc::clone(&count), user.id);
        threads.push(std::thread::spawn(move || {
            for k in 0..interviews.len() {
                let interview = interviews[(k + n) % interviews.len()];
                match post(
                    port,
                    &format!("/api/v1/interviews/{interview}/scorecard/submit"),
                    &token,
                    &body,
                ) {
                    Some(200) => {
                        acknowledged.lock().unwrap().push((interview, user));
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Some(status) => panic!("submit answered {status}"),
                    None => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while count.load(Ordering::SeqCst) < 12 {
        assert!(
            Instant::now() < deadline,
            "too few submissions were acknowledged"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() < INTERVIEWERS * INTERVIEWS,
        "killed mid-run"
    );

    // It starts again over the same database, and everything acknowledged is there.
    let mut server = serve(&url, dir.path(), port);
    let db = attache_web::db::connect(&url).await.unwrap();
    for (interview, user) in &acknowledged {
        let card = scorecards::Entity::find()
            .filter(scorecards::Column::InterviewId.eq(i32::try_from(*interview).unwrap()))
            .filter(scorecards::Column::InterviewerId.eq(*user))
            .one(&db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged scorecard {interview}/{user} is lost"));
        assert_eq!(card.status, "submitted");
    }
    // No scorecard is half written: each has all its ratings and its first revision.
    let all = scorecards::Entity::find().all(&db).await.unwrap();
    assert!(all.len() >= acknowledged.len());
    for card in &all {
        let n = ratings::Entity::find()
            .filter(ratings::Column::ScorecardId.eq(card.id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(
            n, per_card,
            "scorecard {} has {n} of {per_card} ratings",
            card.id
        );
        let revisions = scorecard_revisions::Entity::find()
            .filter(scorecard_revisions::Column::ScorecardId.eq(card.id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(revisions, 1, "scorecard {}", card.id);
    }
    // And the restarted server serves them.
    let (_, token) = &panel[0];
    let (interview, _) = acknowledged[0];
    assert_eq!(
        post(
            port,
            &format!("/api/v1/interviews/{interview}/scorecards"),
            token,
            ""
        ),
        Some(200)
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
