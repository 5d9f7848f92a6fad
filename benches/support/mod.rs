//! What the HTTP benchmarks share: calling the router in process, and percentiles.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, Option<String>, String) {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let body =
        String::from_utf8_lossy(&r.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, cookie, body)
}

/// The CSRF token in a page's forms.
pub fn csrf_in(page: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = page.find(marker).unwrap() + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// A migrated database at `url` with the built-in roles loaded, and those roles.
pub async fn seeded(url: &str) -> (sea_orm::DatabaseConnection, Vec<attache_core::Role>) {
    use attache_migrations::{Migrator, MigratorTrait};
    let db = attache_web::db::connect(url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let seed = attache_core::seed::embedded().unwrap();
    attache_web::services::roles::sync_seed(&db, &seed)
        .await
        .unwrap();
    (db, seed)
}

/// Run `run` on a scratch SQLite file, then, with `BENCH_DATABASE_URL` set, on that
/// PostgreSQL database; each run is labelled.
pub fn on_sqlite_and_postgres<F, Fut>(run: F)
where
    F: Fn(String, &'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        run(url, "SQLite").await;
        if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
            run(url, "PostgreSQL").await;
        }
    });
}
