//! The router: each resource module contributes its routes.

mod health;
mod home;
pub mod roles;
mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, AppError};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Attaché API", description = "Structured interviews for diplomacy roles."),
    tags((name = "roles", description = "Find roles and read their question banks"))
)]
struct ApiDoc;

/// The JSON API with its OpenAPI description, generated from the handlers.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(roles::api_router())
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api().split_for_parts();
    let openapi = Arc::new(openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    let router = Router::new()
        .merge(home::router())
        .merge(roles::router())
        .merge(health::router())
        .merge(static_files::router())
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    openapi.as_str().to_owned(),
                )
            }),
        )
        .fallback(not_found);
    let [csp, nosniff, frame, referrer, coop] = crate::security::headers();
    router
        .layer(csp)
        .layer(nosniff)
        .layer(frame)
        .layer(referrer)
        .layer(coop)
        .layer(
            // Method and path only: query strings may carry what a recruiter searched for.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    let message = "There is nothing at this address.".to_owned();
    if req.uri().path().starts_with("/api/") {
        ApiError(AppError::NotFound(message)).into_response()
    } else {
        AppError::NotFound(message).into_response()
    }
}

/// Whether htmx sent the request, so only the fragment it swaps in is needed.
pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}
