//! Candidate search with synonym expansion over 100,000 candidates (SPEC 9: p95 <= 50 ms),
//! through `GET /api/v1/candidates` in process (router, authentication, search, JSON), on
//! SQLite and, with `BENCH_DATABASE_URL=postgres://…`, on PostgreSQL. A baseline in the
//! same run: a lookup of one candidate by email through the same router.
//!
//! Run: `cargo bench --bench candidate_search` (release). Prints p50 and p95 per query
//! kind; no assertions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use attache_web::AppState;
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use support::{call, median, pct};

mod support;

const CANDIDATES: usize = 100_000;
const ROUNDS: usize = 200;

/// Titles drawn for the synthetic candidates: some are names of roles (found through
/// expansion), most are not.
const TITLES: [&str; 12] = [
    "Second Track Diplomacy Lead",
    "Back-channel negotiator",
    "Consular officer",
    "Political officer",
    "Programme manager",
    "Policy analyst",
    "Mediation adviser",
    "Protocol officer",
    "Research fellow",
    "Press attaché",
    "Country director",
    "Dialogue facilitator",
];
const FIRST: [&str; 10] = [
    "Ana", "Kofi", "Lena", "Omar", "Mei", "Ivan", "Sara", "Tomás", "Aiko", "Nadia",
];
const LAST: [&str; 10] = [
    "Ruiz", "Mensah", "Haas", "Haddad", "Chen", "Petrov", "Okafor", "Silva", "Sato", "Karimi",
];

async fn populate(db: &sea_orm::DatabaseConnection, requisition: i32) {
    let backend = db.get_database_backend();
    let now = "2026-11-23T00:00:00Z";
    for chunk in (0..CANDIDATES).collect::<Vec<_>>().chunks(1000) {
        let mut values = Vec::new();
        for &i in chunk {
            let title = TITLES[i % TITLES.len()];
            let name = format!("{} {} {i}", FIRST[i % 10], LAST[(i / 10) % 10]);
            values.push(format!(
                "('{name}', 'person{i}@example.org', '{title}', 'Worked on {} in region {}.', '', '', '', '{now}', '{now}')",
                TITLES[(i / 7) % TITLES.len()].to_lowercase(),
                i % 40
            ));
        }
        let sql = format!(
            "INSERT INTO candidates (name, email, current_title, summary, location, source, notes, created_at, updated_at) VALUES {}",
            values.join(", ")
        );
        db.execute_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
    }
    // Every tenth candidate is on the requisition, at a stage.
    let stages = ["sourced", "screening", "interviewing", "decision"];
    let sql = format!(
        "INSERT INTO applications (requisition_id, candidate_id, stage, created_at, updated_at) \
         SELECT {requisition}, id, CASE id % 4 WHEN 0 THEN '{}' WHEN 1 THEN '{}' WHEN 2 THEN '{}' ELSE '{}' END, created_at, updated_at \
         FROM candidates WHERE id % 10 = 0",
        stages[0], stages[1], stages[2], stages[3]
    );
    db.execute_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
}

async fn run(url: &str, label: &str) {
    let (db, seed) = support::seeded(url).await;
    let state = AppState::new(db.clone(), Passwords::for_tests())
        .await
        .unwrap();
    let recruiter = attache_web::services::users::create(
        &db,
        "bench@example.org",
        "Bench Recruiter",
        UserRole::Recruiter,
        None,
        None,
    )
    .await
    .unwrap();
    let manager = attache_web::services::users::create(
        &db,
        "manager@example.org",
        "Bench Manager",
        UserRole::HiringManager,
        None,
        None,
    )
    .await
    .unwrap();
    let token = attache_web::services::api_tokens::issue(&db, recruiter.id, "bench", None)
        .await
        .unwrap();
    let actor = attache_web::auth::current::CurrentUser {
        id: recruiter.id,
        email: recruiter.email.clone(),
        name: recruiter.name.clone(),
        role: UserRole::Recruiter,
    };
    let requisition = attache_web::services::requisitions::create(
        &db,
        &actor,
        &attache_web::services::requisitions::RequisitionInput {
            role: "track-two-diplomacy-practitioner".into(),
            title: "Bench".into(),
            hiring_manager: manager.email.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let started = Instant::now();
    populate(&db, requisition.id).await;
    let taxonomy = attache_core::Taxonomy::new(seed);
    attache_web::services::candidate_roles::reindex_if_stale(&db, &taxonomy)
        .await
        .unwrap();
    // Fresh statistics, as autovacuum would gather after a bulk load.
    db.execute_unprepared("ANALYZE").await.unwrap();
    eprintln!(
        "{label}: {CANDIDATES} candidates loaded, and the roles they name found, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let app = attache_web::app(state);
    let queries: Vec<(&str, String)> = vec![
        (
            "baseline: one candidate by email",
            "/api/v1/candidates?q=person4242%40example.org".into(),
        ),
        (
            "synonym \"Track II\" (expanded)",
            "/api/v1/candidates?q=Track+II".into(),
        ),
        (
            "synonym \"back-channel negotiator\" (expanded)",
            "/api/v1/candidates?q=back-channel+negotiator".into(),
        ),
        (
            "misspelt \"dipolmat\" (expanded)",
            "/api/v1/candidates?q=dipolmat".into(),
        ),
        ("name \"ana ruiz\"", "/api/v1/candidates?q=ana+ruiz".into()),
        ("name prefix \"kar\"", "/api/v1/candidates?q=kar".into()),
        (
            "\"Track II\" on a requisition, at a stage",
            format!(
                "/api/v1/candidates?q=Track+II&requisition={}&stage=interviewing",
                requisition.id
            ),
        ),
        (
            "page 40 of \"Track II\"",
            "/api/v1/candidates?q=Track+II&page=40".into(),
        ),
    ];
    println!("\n{label}, {CANDIDATES} candidates, {ROUNDS} requests each:");
    println!("| query | results | p50 (ms) | p95 (ms) |");
    println!("|---|---:|---:|---:|");
    for (name, uri) in &queries {
        let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
        let mut total = String::new();
        for _ in 0..ROUNDS {
            let req = Request::get(uri.as_str())
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let t = Instant::now();
            let (status, _, body) = call(&app, req).await;
            times.push(t.elapsed());
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
            if total.is_empty() {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                total = json["total"].to_string();
            }
        }
        println!(
            "| {name} | {total} | {:.2} | {:.2} |",
            median(times.clone()).as_secs_f64() * 1000.0,
            pct(times, 0.95).as_secs_f64() * 1000.0
        );
    }
}

fn main() {
    support::on_sqlite_and_postgres(|url, label| async move { run(&url, label).await });
}
