//! Overload and shutdown: a minute of concurrent reads and writes against a real
//! `attache serve` gets no 5xx (on SQLite, where writers queue for one lock, and on
//! PostgreSQL); a request that finds every database connection in use is answered 503 at
//! once with `Retry-After`, never left hanging; SIGTERM under load finishes the requests
//! already begun, loses nothing acknowledged and exits cleanly.
//!
//! `ATTACHE_LOAD_SECONDS` shortens the minute of mixed load for a quick local run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attache_web::auth::UserRole;
use axum::http::StatusCode;
use sea_orm::DatabaseBackend;
use serde_json::{Value, json};
use support::process::{
    Answer, ScoringPanel, api, request, revisions_of, scorecard_of, serve, sign_in, sigterm,
};
use support::{TestApp, free_port};

/// What each kind of request answered, by status; and the requests that got no answer.
#[derive(Debug, Default)]
struct Tally {
    statuses: BTreeMap<(&'static str, u16), u64>,
    unanswered: BTreeMap<&'static str, u64>,
    broken: Vec<String>,
}

impl Tally {
    fn record(&mut self, what: &'static str, answer: Option<&Answer>) {
        match answer {
            Some(a) => {
                *self.statuses.entry((what, a.status)).or_default() += 1;
                if !a.whole {
                    self.broken.push(format!("{what}: a cut-off body"));
                }
            }
            None => *self.unanswered.entry(what).or_default() += 1,
        }
    }

    fn count(&self, what: &str, status: u16) -> u64 {
        self.statuses
            .iter()
            .filter(|((w, s), _)| *w == what && *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    fn failures(&self) -> Vec<String> {
        self.statuses
            .iter()
            .filter(|((_, s), _)| *s >= 500)
            .map(|((w, s), n)| format!("{w}: {n} x {s}"))
            .chain(self.broken.iter().cloned())
            .collect()
    }
}

fn load_seconds() -> u64 {
    std::env::var("ATTACHE_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// The scorecard as an amendment with a reason.
fn amendment(scorecard: &Value, n: usize) -> String {
    json!({"scorecard": scorecard, "reason": format!("Correction {n} after reading my notes again.")})
        .to_string()
}

#[tokio::test]
async fn a_minute_of_mixed_reads_and_writes_gets_no_server_error() {
    let app = TestApp::new().await;
    let fixture = Arc::new(ScoringPanel::new(&app, 6, 8).await);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = serve(&app.database.url, dir.path(), port, &[]);
    let cookie = format!("Cookie: {}", sign_in(port, &fixture.manager));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let until = Instant::now() + Duration::from_secs(load_seconds());
    let mut clients = Vec::new();

    // Interviewers submit to every interview, then amend and read them, over and over.
    for (n, (_, token)) in fixture.interviewers.iter().enumerate() {
        let (token, fixture, tally) = (token.clone(), Arc::clone(&fixture), Arc::clone(&tally));
        clients.push(std::thread::spawn(move || {
            let card = fixture.scorecard.to_string();
            let mut k = 0;
            while Instant::now() < until {
                let interview = fixture.interviews[(k + n) % fixture.interviews.len()];
                let path = format!("/api/v1/interviews/{interview}/scorecard");
                let (what, answer) = if k < fixture.interviews.len() {
                    let a = api(port, "PUT", &path, &token, &card);
                    tally.lock().unwrap().record("save draft", a.as_ref());
                    (
                        "submit",
                        api(port, "POST", &format!("{path}/submit"), &token, &card),
                    )
                } else if k % 2 == 0 {
                    let body = amendment(&fixture.scorecard, k);
                    (
                        "amend",
                        api(port, "POST", &format!("{path}/amend"), &token, &body),
                    )
                } else {
                    (
                        "read scorecards",
                        api(port, "GET", &format!("{path}s"), &token, ""),
                    )
                };
                tally.lock().unwrap().record(what, answer.as_ref());
                k += 1;
            }
        }));
    }
    // Recruiters add candidates, move them along and search.
    for n in 0..2 {
        let (fixture, tally) = (Arc::clone(&fixture), Arc::clone(&tally));
        clients.push(std::thread::spawn(move || {
            let token = &fixture.recruiter;
            let mut k = 0;
            while Instant::now() < until {
                let body = json!({"name": format!("Load {n}-{k}"), "email": format!("load-{n}-{k}@example.org"),
                                  "requisition_id": fixture.requisition})
                .to_string();
                let added = api(port, "POST", "/api/v1/candidates", token, &body);
                tally.lock().unwrap().record("add candidate", added.as_ref());
                if let Some(a) = added.filter(|a| a.status == 201) {
                    let id = serde_json::from_str::<Value>(&a.body).unwrap()["application_id"].clone();
                    let moved = api(port, "PATCH", &format!("/api/v1/applications/{id}"), token,
                        &json!({"stage": "screening", "reason": "Strong letter."}).to_string());
                    tally.lock().unwrap().record("move stage", moved.as_ref());
                }
                let found = api(port, "GET", "/api/v1/candidates?q=load", token, "");
                tally.lock().unwrap().record("search candidates", found.as_ref());
                k += 1;
            }
        }));
    }
    // The hiring manager compares, in the API and on the page, and looks roles up.
    for _ in 0..2 {
        let (fixture, tally, cookie) = (Arc::clone(&fixture), Arc::clone(&tally), cookie.clone());
        clients.push(std::thread::spawn(move || {
            let token = &fixture.manager_token;
            let r = fixture.requisition;
            while Instant::now() < until {
                let json = api(
                    port,
                    "GET",
                    &format!("/api/v1/requisitions/{r}/comparison"),
                    token,
                    "",
                );
                tally
                    .lock()
                    .unwrap()
                    .record("comparison JSON", json.as_ref());
                let page = request(
                    port,
                    "GET",
                    &format!("/requisitions/{r}/comparison"),
                    &cookie,
                    "",
                    "",
                );
                tally
                    .lock()
                    .unwrap()
                    .record("comparison page", page.as_ref());
                let roles = api(port, "GET", "/api/v1/roles?q=track+ii", token, "");
                tally.lock().unwrap().record("role search", roles.as_ref());
            }
        }));
    }
    for c in clients {
        c.join().unwrap();
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let tally = tally.lock().unwrap();
    let seen: Vec<String> = tally
        .statuses
        .iter()
        .map(|((w, s), n)| format!("{w} {s}: {n}"))
        .collect();
    eprintln!("{} s of mixed load: {}", load_seconds(), seen.join(", "));
    assert!(tally.failures().is_empty(), "{:?}", tally.failures());
    assert!(
        tally.unanswered.is_empty(),
        "no answer: {:?}",
        tally.unanswered
    );
    // Every request did what it was for.
    for ((what, status), n) in &tally.statuses {
        let expected = if *what == "add candidate" { 201 } else { 200 };
        assert_eq!(*status, expected, "{what} answered {status} {n} times");
    }
    let cards = (fixture.interviewers.len() * fixture.interviews.len()) as u64;
    assert_eq!(
        tally.count("submit", 200),
        cards,
        "every scorecard submitted once"
    );
    for what in ["amend", "add candidate", "comparison page", "role search"] {
        assert!(
            tally.count(what, if what == "add candidate" { 201 } else { 200 }) > 0,
            "no {what}"
        );
    }
}

/// Take every connection of `db`'s pool and keep it until the result is dropped.
async fn hold_every_connection(db: &sea_orm::DatabaseConnection) -> Box<dyn Send> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            let mut held = Vec::new();
            for _ in 0..pool.options().get_max_connections() {
                held.push(pool.acquire().await.unwrap());
            }
            Box::new(held)
        }
        _ => {
            let pool = db.get_postgres_connection_pool();
            let mut held = Vec::new();
            for _ in 0..pool.options().get_max_connections() {
                held.push(pool.acquire().await.unwrap());
            }
            Box::new(held)
        }
    }
}

#[tokio::test]
async fn with_every_connection_in_use_requests_are_answered_503_at_once_and_served_after() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let token = app.token(UserRole::Recruiter).await;
    let held = hold_every_connection(&app.db).await;
    let bound = attache_web::db::ACQUIRE_TIMEOUT + Duration::from_secs(3);

    let started = Instant::now();
    let r = app.get_with_token("/api/v1/requisitions", &token).await;
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(r.json()["error"]["code"], "busy");

    let started = Instant::now();
    let page = app.get("/requisitions").await;
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("very busy"), "{}", page.body);
    assert!(
        !page.body.contains("database"),
        "no internals: {}",
        page.body
    );

    drop(held);
    let r = app.get_with_token("/api/v1/requisitions", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.get("/requisitions").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sigterm_under_load_finishes_what_was_begun_and_loses_nothing_acknowledged() {
    let app = TestApp::new().await;
    let fixture = Arc::new(ScoringPanel::new(&app, 4, 6).await);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = serve(
        &app.database.url,
        dir.path(),
        port,
        &["--shutdown-grace-seconds", "10"],
    );
    // (interview, interviewer) -> amendments acknowledged, and sent without an answer.
    let acknowledged = Arc::new(Mutex::new(BTreeMap::<(i64, i32), (u64, u64)>::new()));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut clients = Vec::new();
    for (n, (user, token)) in fixture.interviewers.iter().enumerate() {
        let (token, user) = (token.clone(), user.id);
        let (fixture, acknowledged, tally) = (
            Arc::clone(&fixture),
            Arc::clone(&acknowledged),
            Arc::clone(&tally),
        );
        clients.push(std::thread::spawn(move || {
            let card = fixture.scorecard.to_string();
            for &interview in &fixture.interviews {
                let path = format!("/api/v1/interviews/{interview}/scorecard/submit");
                let a = api(port, "POST", &path, &token, &card);
                tally.lock().unwrap().record("submit", a.as_ref());
                assert_eq!(a.map(|a| a.status), Some(200), "submitted before SIGTERM");
            }
            // Amend until the server is gone.
            for k in 0.. {
                let interview = fixture.interviews[(k + n) % fixture.interviews.len()];
                let path = format!("/api/v1/interviews/{interview}/scorecard/amend");
                let a = api(
                    port,
                    "POST",
                    &path,
                    &token,
                    &amendment(&fixture.scorecard, k),
                );
                tally.lock().unwrap().record("amend", a.as_ref());
                let mut acknowledged = acknowledged.lock().unwrap();
                let entry = acknowledged.entry((interview, user)).or_default();
                match a {
                    Some(a) if a.status == 200 => entry.0 += 1,
                    Some(_) => {}
                    None => {
                        entry.1 += 1;
                        return;
                    }
                }
            }
        }));
    }
    // Once every client has submitted and amendments flow, stop the server while they are
    // in flight. (Waiting for amendments alone let a slow client still be submitting when
    // the faster ones had amended twenty times.)
    let submissions = (fixture.interviewers.len() * fixture.interviews.len()) as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    while {
        let tally = tally.lock().unwrap();
        tally.count("submit", 200) < submissions || tally.count("amend", 200) < 20
    } {
        assert!(Instant::now() < deadline, "amendments did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    let stopping = Instant::now();
    sigterm(&server);
    let status = server.wait().unwrap();
    let took = stopping.elapsed();
    for c in clients {
        c.join().unwrap();
    }
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(10), "took {took:?} to stop");
    let failures = tally.lock().unwrap().failures();
    assert!(failures.is_empty(), "{failures:?}");

    // Every acknowledged amendment is kept; one sent as the server closed may or may not be.
    let db = attache_web::db::connect(&app.database.url).await.unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    for ((interview, user), (acked, unanswered)) in &acknowledged {
        let card = scorecard_of(&db, *interview, *user).await.unwrap();
        let kept = revisions_of(&db, card.id).await - 1; // the first is the submission
        assert!(
            (*acked..=acked + unanswered).contains(&kept),
            "scorecard {}: {kept} amendments kept, {acked} acknowledged",
            card.id
        );
    }
}
