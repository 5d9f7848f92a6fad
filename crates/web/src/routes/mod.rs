//! The router: each resource module contributes its routes.

pub mod access;
mod account;
mod admin;
mod auth;
mod forms;
mod health;
mod home;
mod invitations;
mod page;
mod password_reset;
pub mod roles;
mod setup;
mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::current::authenticate;
use crate::auth::session_store::DbSessionStore;
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use access::{Access, RouteInfo, Routes};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "attache_session";
/// A session ends after this long without a request (and in any case a week after sign-in).
pub const IDLE_EXPIRY_HOURS: i64 = 8;

#[derive(OpenApi)]
#[openapi(
    info(title = "Attaché API", description = "Structured interviews for diplomacy roles."),
    tags((name = "roles", description = "Find roles and read their question banks")),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The JSON API with its OpenAPI description, generated from the handlers.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(roles::api_router())
}

/// Every page route, declared with who may use it.
fn pages(openapi_json: Arc<String>) -> Routes {
    Routes::new()
        .merge(home::routes())
        .merge(auth::routes())
        .merge(admin::routes())
        .merge(account::routes())
        .merge(setup::routes())
        .merge(invitations::routes())
        .merge(password_reset::routes())
        .merge(roles::routes())
        .merge(health::routes())
        .merge(static_files::routes())
        .get("/api/openapi.json", Access::SignedIn, move || async move {
            (
                [(header::CONTENT_TYPE, "application/json")],
                openapi_json.as_str().to_owned(),
            )
        })
}

/// Every route of the application with who may use it: pages as declared, and every
/// operation of the API (all of which need a signed-in user or a token).
pub fn route_table() -> Vec<RouteInfo> {
    let (_, openapi) = api().split_for_parts();
    let mut table = pages(Arc::new(String::new())).table;
    for (path, item) in &openapi.paths.paths {
        let operations = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        for (method, present) in operations {
            if present {
                table.push(RouteInfo {
                    method,
                    path: path.clone(),
                    access: Access::SignedIn,
                });
            }
        }
    }
    table
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api().split_for_parts();
    let openapi = Arc::new(openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    let api = api.route_layer(middleware::from_fn(|req: Request, next: Next| {
        access::check(Access::SignedIn, req, next)
    }));
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(
            IDLE_EXPIRY_HOURS,
        )));
    let router = pages(openapi).router.merge(api).fallback(not_found);
    let [csp, nosniff, frame, referrer, coop] = crate::security::headers();
    // Outermost last: trace, headers, session, authenticate, CSRF, then the route.
    router
        .layer(middleware::from_fn(crate::auth::csrf::protect))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(sessions)
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
