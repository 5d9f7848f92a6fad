//! The hiring manager's comparison (SPEC 9: 50 candidates x 4 interviewers x 6 questions x
//! 3 criteria, HTML p50 <= 15 ms, JSON p50 <= 10 ms, also with 100,000 candidates in the
//! database), through the whole router in process: the page with a signed-in session, the
//! JSON with a bearer token. Measured on the requisition alone, then again after 100,000
//! other candidates (5,000 of them on another requisition) are added. On SQLite and, with
//! `BENCH_DATABASE_URL=postgres://…` (an empty database), on PostgreSQL. Baseline in the
//! same run: `/healthz`.
//!
//! Run: `cargo bench --bench comparison` (release). Prints figures; no assertions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use attache_web::AppState;
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use support::{call, csrf_in, median, pct};

mod support;

const CANDIDATES: usize = 50;
const INTERVIEWERS: usize = 4;
const QUESTIONS: usize = 6;
const CRITERIA: usize = 3;
const OTHERS: usize = 100_000;
const ROUNDS: usize = 200;
const PASSWORD: &str = "a benchmark password, long enough";
const T: &str = "'2026-11-23T00:00:00Z'";

struct Bench {
    app: axum::Router,
    token: String,
    cookie: String,
    requisition: i32,
}

async fn exec(db: &sea_orm::DatabaseConnection, sql: String) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
}

async fn ids(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<i32> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i32>("", "id").unwrap())
        .collect()
}

async fn setup(url: &str) -> Bench {
    let (db, seed) = support::seeded(url).await;
    // A role with six questions of three or more criteria: three of each are rated.
    let role = seed
        .iter()
        .find(|r| {
            r.questions
                .iter()
                .filter(|q| q.criteria.len() >= CRITERIA)
                .count()
                >= QUESTIONS
        })
        .unwrap();
    let kit: Vec<&attache_core::Question> = role
        .questions
        .iter()
        .filter(|q| q.criteria.len() >= CRITERIA)
        .take(QUESTIONS)
        .collect();
    let passwords = Passwords::for_tests();
    let hash = passwords.hash(PASSWORD.to_owned()).await.unwrap();
    let manager = attache_web::services::users::create(
        &db,
        "hm@example.org",
        "Hiring Manager",
        UserRole::HiringManager,
        Some(hash),
        None,
    )
    .await
    .unwrap();
    let mut raters = Vec::new();
    for i in 0..INTERVIEWERS {
        let u = attache_web::services::users::create(
            &db,
            &format!("panel{i}@example.org"),
            &format!("Panel {i}"),
            UserRole::Interviewer,
            None,
            None,
        )
        .await
        .unwrap();
        raters.push(u.id);
    }
    let m = manager.id;
    exec(&db, format!(
        "INSERT INTO requisitions (role_id, title, hiring_manager_id, created_by, status, created_at, updated_at, kit) \
         SELECT id, 'Bench', {m}, {m}, 'open', {T}, {T}, '' FROM roles WHERE slug = '{}'", role.slug)).await;
    let requisition = ids(&db, "SELECT id FROM requisitions").await[0];
    let values: Vec<String> = (0..CANDIDATES)
        .map(|i| format!("('Candidate {i}', 'bench{i}@example.org', 'Mediation adviser', '', '', '', '', {T}, {T})"))
        .collect();
    exec(&db, format!("INSERT INTO candidates (name, email, current_title, summary, location, source, notes, created_at, updated_at) VALUES {}", values.join(", "))).await;
    exec(&db, format!(
        "INSERT INTO applications (requisition_id, candidate_id, stage, created_at, updated_at) \
         SELECT {requisition}, id, 'interviewing', {T}, {T} FROM candidates")).await;
    let applications = ids(&db, "SELECT id FROM applications ORDER BY id").await;
    let version = ids(&db, &format!(
        "SELECT v.id AS id FROM question_bank_versions v JOIN roles r ON r.id = v.role_id WHERE r.slug = '{}' ORDER BY v.id DESC", role.slug)).await[0];
    let rows: Vec<String> = applications
        .iter()
        .map(|a| format!("({a}, {version}, {T}, 60, '', {m}, {T}, 'UTC', 'scheduled', 0)"))
        .collect();
    exec(&db, format!("INSERT INTO interviews (application_id, bank_version_id, scheduled_at, duration_minutes, location, created_by, created_at, time_zone, status, sequence) VALUES {}", rows.join(", "))).await;
    let interviews = ids(&db, "SELECT id FROM interviews ORDER BY id").await;
    let (mut panel, mut questions, mut cards) = (Vec::new(), Vec::new(), Vec::new());
    for i in &interviews {
        for r in &raters {
            panel.push(format!("({i}, {r}, NULL)"));
            cards.push(format!(
                "({i}, {r}, {version}, 'submitted', 'yes', 'Bench.', 1, {T}, {T}, {T})"
            ));
        }
        for (p, q) in kit.iter().enumerate() {
            questions.push(format!("({i}, '{}', {p})", q.id));
        }
    }
    exec(
        &db,
        format!(
            "INSERT INTO panel_members (interview_id, user_id, next_reminder_at) VALUES {}",
            panel.join(", ")
        ),
    )
    .await;
    exec(
        &db,
        format!(
            "INSERT INTO kit_questions (interview_id, question_id, position) VALUES {}",
            questions.join(", ")
        ),
    )
    .await;
    exec(&db, format!("INSERT INTO scorecards (interview_id, interviewer_id, bank_version_id, status, recommendation, summary, lock_version, submitted_at, created_at, updated_at) VALUES {}", cards.join(", "))).await;
    let scorecards = ids(&db, "SELECT id FROM scorecards ORDER BY id").await;
    for chunk in scorecards.chunks(50) {
        let mut ratings = Vec::new();
        for (n, s) in chunk.iter().enumerate() {
            for (qi, q) in kit.iter().enumerate() {
                for c in q.criteria.iter().take(CRITERIA) {
                    let score = 1 + (s + n as i32 + qi as i32) % 4;
                    ratings.push(format!("({s}, '{}', '{}', {score}, '')", q.id, c.id));
                }
            }
        }
        exec(&db, format!("INSERT INTO ratings (scorecard_id, question_id, criterion_id, score, note) VALUES {}", ratings.join(", "))).await;
    }
    let token = attache_web::services::api_tokens::issue(&db, manager.id, "bench", None)
        .await
        .unwrap();
    let state = AppState::new(db, passwords).await.unwrap();
    let app = attache_web::app(state);
    let (_, cookie, page) = call(&app, Request::get("/sign-in").body(Body::empty()).unwrap()).await;
    let form = format!(
        "email=hm%40example.org&password={}&csrf_token={}",
        PASSWORD.replace(' ', "+").replace(',', "%2C"),
        csrf_in(&page)
    );
    let req = Request::post("/sign-in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie.unwrap())
        .body(Body::from(form))
        .unwrap();
    let (status, cookie, _) = call(&app, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    Bench {
        app,
        token,
        cookie: cookie.unwrap(),
        requisition,
    }
}

/// 100,000 more candidates, 5,000 of them on another requisition.
async fn add_others(db: &sea_orm::DatabaseConnection) {
    for chunk in (0..OTHERS).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("('Person {i}', 'person{i}@example.org', 'Policy analyst', 'Worked in region {}.', '', '', '', {T}, {T})", i % 40))
            .collect();
        exec(db, format!("INSERT INTO candidates (name, email, current_title, summary, location, source, notes, created_at, updated_at) VALUES {}", values.join(", "))).await;
    }
    exec(db, format!(
        "INSERT INTO requisitions (role_id, title, hiring_manager_id, created_by, status, created_at, updated_at, kit) \
         SELECT role_id, 'Other', hiring_manager_id, created_by, 'open', {T}, {T}, '' FROM requisitions WHERE title = 'Bench'")).await;
    exec(db, format!(
        "INSERT INTO applications (requisition_id, candidate_id, stage, created_at, updated_at) \
         SELECT (SELECT id FROM requisitions WHERE title = 'Other'), id, 'sourced', {T}, {T} FROM candidates WHERE id % 20 = 0 AND email LIKE 'person%'")).await;
    // A database in use has statistics for its planner (PostgreSQL's autovacuum gathers
    // them after a bulk load, a little later than a benchmark would wait).
    exec(db, "ANALYZE".to_owned()).await;
}

async fn time(b: &Bench, make: impl Fn() -> Request<Body>) -> Vec<Duration> {
    let mut v = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let (status, _, body) = call(&b.app, make()).await;
        v.push(t.elapsed());
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    v
}

async fn measure(b: &Bench, when: &str) {
    let id = b.requisition;
    let healthz = time(b, || Request::get("/healthz").body(Body::empty()).unwrap()).await;
    let json = time(b, || {
        Request::get(format!("/api/v1/requisitions/{id}/comparison"))
            .header("authorization", format!("Bearer {}", b.token))
            .body(Body::empty())
            .unwrap()
    })
    .await;
    let html = time(b, || {
        Request::get(format!("/requisitions/{id}/comparison"))
            .header("cookie", b.cookie.clone())
            .body(Body::empty())
            .unwrap()
    })
    .await;
    for (name, v) in [
        ("baseline: /healthz", healthz),
        ("comparison JSON", json),
        ("comparison page (HTML)", html),
    ] {
        println!(
            "| {when} | {name} | {ROUNDS} | {:.2} | {:.2} |",
            median(v.clone()).as_secs_f64() * 1e3,
            pct(v, 0.95).as_secs_f64() * 1e3
        );
    }
}

async fn run(url: &str, label: &str) {
    let b = setup(url).await;
    println!(
        "\n{label}: {CANDIDATES} candidates x {INTERVIEWERS} interviewers x {QUESTIONS} questions x {CRITERIA} criteria, {ROUNDS} requests each, one client"
    );
    println!("| database holds | what | requests | p50 (ms) | p95 (ms) |");
    println!("|---|---|---:|---:|---:|");
    measure(&b, "the requisition only").await;
    let db = attache_web::db::connect(url).await.unwrap();
    add_others(&db).await;
    measure(&b, "+ 100,000 candidates").await;
}

fn main() {
    support::on_sqlite_and_postgres(|url, label| async move { run(&url, label).await });
}
