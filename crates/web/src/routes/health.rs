//! `/healthz` (the process is up) and `/readyz` (the database answers).

use axum::extract::State;
use axum::http::StatusCode;

use super::access::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/healthz", Access::Public, healthy)
        .get("/readyz", Access::Public, ready)
}

async fn healthy() -> &'static str {
    "ok"
}

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if crate::db::ping(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
