//! Sign-in throughput and the cost of one password hash, with production argon2id
//! parameters, through the whole router (session store, CSRF, audit) on SQLite.
//! Also times /healthz while sign-ins saturate the CPU: the hashing limit must keep it fast.
//!
//! Run: `cargo bench --bench sign_in` (release). Prints medians; no assertions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use attache_migrations::{Migrator, MigratorTrait};
use attache_web::AppState;
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use attache_web::auth::rate_limit::RateLimiter;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{call, csrf_in, median, pct};

mod support;

const CLIENTS: usize = 8;
const RUN: Duration = Duration::from_secs(10);
const PASSWORD: &str = "a benchmark password, long enough";

async fn sign_in(app: &axum::Router, email: &str) -> Duration {
    let (_, cookie, page) = call(app, Request::get("/sign-in").body(Body::empty()).unwrap()).await;
    let cookie = cookie.unwrap();
    let csrf = csrf_in(&page);
    let form = format!(
        "email={}&password={}&csrf_token={csrf}",
        email.replace('@', "%40"),
        PASSWORD.replace(' ', "+").replace(',', "%2C")
    );
    let t = Instant::now();
    let req = Request::post("/sign-in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(form))
        .unwrap();
    let (status, _, body) = call(app, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    t.elapsed()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let passwords = Passwords::production();

        // The cost of one hash, alone.
        let mut hashes = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            passwords.hash(PASSWORD.to_owned()).await.unwrap();
            hashes.push(t.elapsed());
        }
        println!("one argon2id hash (m=19456 KiB, t=2, p=1): median {:.1} ms", median(hashes).as_secs_f64() * 1e3);

        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        let db = attache_web::db::connect(&url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let hash = passwords.hash(PASSWORD.to_owned()).await.unwrap();
        let mut emails = Vec::new();
        for i in 0..CLIENTS {
            let email = format!("user{i}@example.org");
            attache_web::services::users::create(&db, &email, "Bench", UserRole::Recruiter, Some(hash.clone()), None)
                .await
                .unwrap();
            emails.push(email);
        }
        let mut state = AppState::new(db, passwords).await.unwrap();
        // Repeated sign-ins are the point here; the limits are tested elsewhere.
        state.limits.sign_in_per_client = RateLimiter::new(u32::MAX, Duration::from_secs(1));
        state.limits.sign_in_per_account = RateLimiter::new(u32::MAX, Duration::from_secs(1));
        state.limits.sign_in_per_account_and_client = RateLimiter::new(u32::MAX, Duration::from_secs(1));
        let app = attache_web::app(state);

        // /healthz alone, as the baseline for the same measurement under load.
        let mut idle = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            call(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
            idle.push(t.elapsed());
        }

        let deadline = Instant::now() + RUN;
        let mut workers = Vec::new();
        for email in emails {
            let app = app.clone();
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    latencies.push(sign_in(&app, &email).await);
                }
                latencies
            }));
        }
        let probe = {
            let app = app.clone();
            tokio::spawn(async move {
                let mut v = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    call(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
                    v.push(t.elapsed());
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                v
            })
        };
        let started = Instant::now();
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        let busy = probe.await.unwrap();
        println!(
            "sign-in, {CLIENTS} concurrent clients, {:.0} s: {} sign-ins, {:.1}/s; latency p50 {:.0} ms, p99 {:.0} ms",
            elapsed,
            all.len(),
            all.len() as f64 / elapsed,
            median(all.clone()).as_secs_f64() * 1e3,
            pct(all, 0.99).as_secs_f64() * 1e3
        );
        println!(
            "/healthz p50 / p99: idle {:.2} / {:.2} ms; during the sign-in burst {:.2} / {:.2} ms",
            median(idle.clone()).as_secs_f64() * 1e3,
            pct(idle, 0.99).as_secs_f64() * 1e3,
            median(busy.clone()).as_secs_f64() * 1e3,
            pct(busy, 0.99).as_secs_f64() * 1e3
        );
    });
}
