//! Scorecard submission throughput (SPEC 9: >= 1,000/s with 12 ratings, 32 concurrent
//! clients, 30 s, 0 errors, p99 <= 50 ms), through the whole router in process (bearer
//! token, panel check, validation against the kit, ratings, revision, audit, reminder
//! state), on SQLite and, with `BENCH_DATABASE_URL=postgres://…` (an empty database), on
//! PostgreSQL. Baseline in the same run: `/healthz` through the same router and clients.
//!
//! Run: `cargo bench --bench scorecard_submit` (release). Prints figures; no assertions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use attache_web::AppState;
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use support::{call, median, pct};

mod support;

const CLIENTS: usize = 32;
const RUN: Duration = Duration::from_secs(30);
/// Interviews prepared; each client scores them in order, one scorecard each.
const INTERVIEWS: usize = 1_600;

async fn setup(url: &str) -> (axum::Router, Vec<String>, Vec<i32>, String) {
    let (db, seed) = support::seeded(url).await;
    let role = seed.iter().find(|r| r.slug == "mediator").unwrap();
    let backend = db.get_database_backend();
    let exec = |sql: String| {
        let db = db.clone();
        async move {
            db.execute_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
        }
    };
    let mut tokens = Vec::new();
    let mut users = Vec::new();
    for i in 0..CLIENTS {
        let u = attache_web::services::users::create(
            &db,
            &format!("panel{i}@example.org"),
            "Panel",
            UserRole::Interviewer,
            None,
            None,
        )
        .await
        .unwrap();
        tokens.push(
            attache_web::services::api_tokens::issue(&db, u.id, "bench", None)
                .await
                .unwrap(),
        );
        users.push(u.id);
    }
    let manager = attache_web::services::users::create(
        &db,
        "hm@example.org",
        "HM",
        UserRole::HiringManager,
        None,
        None,
    )
    .await
    .unwrap();
    let t = "'2026-11-23T00:00:00Z'";
    exec(format!(
        "INSERT INTO requisitions (role_id, title, hiring_manager_id, created_by, status, created_at, updated_at, kit) \
         SELECT id, 'Bench', {m}, {m}, 'open', {t}, {t}, '' FROM roles WHERE slug = 'mediator'",
        m = manager.id
    ))
    .await;
    exec(format!("INSERT INTO candidates (name, email, created_at, updated_at) VALUES ('Bench', 'bench@example.org', {t}, {t})")).await;
    exec(format!(
        "INSERT INTO applications (requisition_id, candidate_id, stage, created_at, updated_at) \
         SELECT r.id, c.id, 'interviewing', {t}, {t} FROM requisitions r, candidates c"
    ))
    .await;
    // The kit: questions until their criteria number twelve or more; twelve are rated.
    let mut kit = Vec::new();
    let mut pairs = Vec::new();
    for q in &role.questions {
        kit.push(q.id.clone());
        for c in &q.criteria {
            pairs.push((q.id.clone(), c.id.clone()));
        }
        if pairs.len() >= 12 {
            break;
        }
    }
    pairs.truncate(12);
    for chunk in (0..INTERVIEWS).collect::<Vec<_>>().chunks(200) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|_| {
                format!("((SELECT id FROM applications), (SELECT v.id FROM question_bank_versions v JOIN roles r ON r.id = v.role_id WHERE r.slug = 'mediator' ORDER BY v.id DESC LIMIT 1), {t}, 60, '', {m}, {t}, 'UTC', 'scheduled', 0)", m = manager.id)
            })
            .collect();
        exec(format!(
            "INSERT INTO interviews (application_id, bank_version_id, scheduled_at, duration_minutes, location, created_by, created_at, time_zone, status, sequence) VALUES {}",
            rows.join(", ")
        ))
        .await;
    }
    let ids: Vec<i32> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM interviews ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i32>("", "id").unwrap())
        .collect();
    for chunk in ids.chunks(100) {
        let mut panel = Vec::new();
        let mut questions = Vec::new();
        for id in chunk {
            for u in &users {
                panel.push(format!("({id}, {u}, {t})"));
            }
            for (p, q) in kit.iter().enumerate() {
                questions.push(format!("({id}, '{q}', {p})"));
            }
        }
        exec(format!(
            "INSERT INTO panel_members (interview_id, user_id, next_reminder_at) VALUES {}",
            panel.join(", ")
        ))
        .await;
        exec(format!(
            "INSERT INTO kit_questions (interview_id, question_id, position) VALUES {}",
            questions.join(", ")
        ))
        .await;
    }
    let ratings: Vec<serde_json::Value> = pairs
        .iter()
        .enumerate()
        .map(|(i, (q, c))| serde_json::json!({"question": q, "criterion": c, "score": 1 + i % 4, "note": "Gave a concrete example."}))
        .collect();
    let body = serde_json::json!({"ratings": ratings, "recommendation": "yes", "summary": "Listens first; proposes options, not positions."}).to_string();
    let state = AppState::new(db, Passwords::for_tests()).await.unwrap();
    (attache_web::app(state), tokens, ids, body)
}

/// Run `CLIENTS` clients for `RUN`; each sends what `request` makes for its n-th call.
async fn load(
    app: &axum::Router,
    request: Arc<dyn Fn(usize, usize) -> Option<Request<Body>> + Send + Sync>,
) -> (usize, usize, Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut workers = Vec::new();
    for client in 0..CLIENTS {
        let app = app.clone();
        let request = Arc::clone(&request);
        workers.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut times) = (0, 0, Vec::new());
            let mut n = 0;
            while started.elapsed() < RUN {
                let Some(req) = request(client, n) else { break };
                n += 1;
                let t = Instant::now();
                let (status, _, _) = call(&app, req).await;
                times.push(t.elapsed());
                if status == StatusCode::OK {
                    ok += 1;
                } else {
                    errors += 1;
                }
            }
            (ok, errors, times)
        }));
    }
    let (mut ok, mut errors, mut times) = (0, 0, Vec::new());
    for w in workers {
        let (o, e, t) = w.await.unwrap();
        ok += o;
        errors += e;
        times.extend(t);
    }
    (ok, errors, times, started.elapsed())
}

async fn run(url: &str, label: &str) {
    let (app, tokens, ids, body) = setup(url).await;
    let tokens = Arc::new(tokens);
    let ids = Arc::new(ids);
    let body = Arc::new(body);
    let healthz: Arc<dyn Fn(usize, usize) -> Option<Request<Body>> + Send + Sync> =
        Arc::new(|_, _| Some(Request::get("/healthz").body(Body::empty()).unwrap()));
    let submit: Arc<dyn Fn(usize, usize) -> Option<Request<Body>> + Send + Sync> = {
        let (tokens, ids, body) = (Arc::clone(&tokens), Arc::clone(&ids), Arc::clone(&body));
        Arc::new(move |client, n| {
            let id = ids.get(n)?;
            Some(
                Request::post(format!("/api/v1/interviews/{id}/scorecard/submit"))
                    .header("authorization", format!("Bearer {}", tokens[client]))
                    .header("content-type", "application/json")
                    .body(Body::from(body.as_str().to_owned()))
                    .unwrap(),
            )
        })
    };
    println!("\n{label}: {CLIENTS} clients, {} s each", RUN.as_secs());
    println!("| what | requests | errors | per second | p50 (ms) | p99 (ms) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, request) in [
        ("baseline: /healthz", healthz),
        ("scorecard submit, 12 ratings", submit),
    ] {
        let (ok, errors, times, elapsed) = load(&app, request).await;
        println!(
            "| {name} | {ok} | {errors} | {:.0} | {:.2} | {:.2} |",
            ok as f64 / elapsed.as_secs_f64(),
            median(times.clone()).as_secs_f64() * 1e3,
            pct(times, 0.99).as_secs_f64() * 1e3
        );
    }
}

fn main() {
    support::on_sqlite_and_postgres(|url, label| async move { run(&url, label).await });
}
