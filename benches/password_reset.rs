//! Whether asking for a password reset reveals that an address has an account: the time to
//! answer POST /password-reset for a known and for an unknown address, interleaved, through
//! the whole router on SQLite. Also how long the known address waits for its email to reach
//! the outbox (work done after the response).
//!
//! Run: `cargo bench --bench password_reset` (release). Prints medians; no assertions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use attache_migrations::{Migrator, MigratorTrait};
use attache_web::AppState;
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use attache_web::auth::rate_limit::RateLimiter;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::{call, csrf_in, median, pct};

mod support;

const ROUNDS: usize = 1000;

async fn ask(app: &axum::Router, cookie: &str, csrf: &str, email: &str) -> Duration {
    let form = format!("email={}&csrf_token={csrf}", email.replace('@', "%40"));
    let req = Request::post("/password-reset")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(form))
        .unwrap();
    let t = Instant::now();
    let (status, _, body) = call(app, req).await;
    let elapsed = t.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    elapsed
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        let db = attache_web::db::connect(&url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let passwords = Passwords::production();
        let hash = passwords.hash("a benchmark password".to_owned()).await.unwrap();
        for i in 0..200 {
            let email = format!("user{i}@example.org");
            attache_web::services::users::create(&db, &email, "Bench", UserRole::Recruiter, Some(hash.clone()), None)
                .await
                .unwrap();
        }
        let mut state = AppState::new(db.clone(), passwords).await.unwrap();
        // Repeated requests are the point here; the limits are tested elsewhere.
        state.limits.reset_per_client = RateLimiter::new(u32::MAX, Duration::from_secs(1));
        state.limits.reset_per_account = RateLimiter::new(u32::MAX, Duration::from_secs(1));
        let background = state.background.clone();
        let app = attache_web::app(state);
        let (_, cookie, page) = call(&app, Request::get("/sign-in").body(Body::empty()).unwrap()).await;
        let (cookie, csrf) = (cookie.unwrap(), csrf_in(&page));

        // Warm up both paths, and every address the rate limiter will see.
        for i in 0..200 {
            ask(&app, &cookie, &csrf, &format!("user{}@example.org", i % 200)).await;
            ask(&app, &cookie, &csrf, &format!("nope{}@example.org", i % 200)).await;
        }
        background.close();
        background.wait().await;
        background.reopen();

        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for i in 0..ROUNDS {
            let k = format!("user{}@example.org", i % 200);
            // The same shape and reuse as the known addresses, so only existence differs.
            let u = format!("nope{}@example.org", i % 200);
            // Alternate which goes first, so drift affects both alike; let the work behind
            // each request finish before the next, so one's email does not slow the other.
            let order = if i % 2 == 0 { [(&k, true), (&u, false)] } else { [(&u, false), (&k, true)] };
            for (email, exists) in order {
                let t = ask(&app, &cookie, &csrf, email).await;
                if exists { known.push(t) } else { unknown.push(t) }
                background.close();
                background.wait().await;
                background.reopen();
            }
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let (k50, u50) = (median(known.clone()), median(unknown.clone()));
        println!(
            "POST /password-reset, {ROUNDS} each, interleaved: known address p50 {:.3} ms, p99 {:.3} ms; unknown p50 {:.3} ms, p99 {:.3} ms; median known/unknown {:.3}",
            ms(k50),
            ms(pct(known, 0.99)),
            ms(u50),
            ms(pct(unknown, 0.99)),
            k50.as_secs_f64() / u50.as_secs_f64(),
        );

        // How long a known address waits for its email to be in the outbox.
        let mut queued = Vec::new();
        for i in 0..200 {
            let before = attache_web::entities::mail_outbox::Entity::find().count(&db).await.unwrap();
            let t = Instant::now();
            ask(&app, &cookie, &csrf, &format!("user{i}@example.org")).await;
            background.close();
            background.wait().await;
            background.reopen();
            queued.push(t.elapsed());
            let after = attache_web::entities::mail_outbox::Entity::find().count(&db).await.unwrap();
            assert_eq!(after, before + 1);
        }
        println!(
            "request to email in the outbox (known address): p50 {:.2} ms, p99 {:.2} ms",
            ms(median(queued.clone())),
            ms(pct(queued, 0.99))
        );
    });
}
