//! The router: each resource module contributes its routes.

pub mod access;
mod account;
mod admin;
mod auth;
mod candidate_pages;
mod comparison;
mod forms;
mod health;
mod home;
mod interviews;
mod invitations;
pub(crate) mod page;
mod password_reset;
mod requisition_pages;
mod requisitions;
pub mod roles;
mod scorecard_pages;
mod scorecards;
mod setup;
mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::current::authenticate;
use crate::auth::session_store::DbSessionStore;
use crate::error::AppError;
use crate::state::AppState;
use access::{Access, ApiRoutes, RouteInfo, Routes};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "attache_session";
/// A session ends after this long without a request (and in any case a week after sign-in).
pub const IDLE_EXPIRY_HOURS: i64 = 8;

#[derive(OpenApi)]
#[openapi(
    info(title = "Attaché API", description = "Structured interviews for diplomacy roles."),
    tags(
        (name = "roles", description = "Find roles and read their question banks"),
        (name = "requisitions", description = "Openings, candidates and the pipeline"),
        (name = "scorecards", description = "Interviewers' ratings, blind until each submits"),
        (name = "comparison", description = "Candidates side by side, panel agreement, interviewer calibration and decisions")
    ),
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

/// Every operation of the JSON API, declared with who may call it.
fn api_routes() -> ApiRoutes {
    ApiRoutes::new()
        .merge(roles::api_router())
        .merge(requisitions::api_router())
        .merge(interviews::api_router())
        .merge(scorecards::api_router())
        .merge(comparison::api_router())
}

/// The JSON API with its OpenAPI description, generated from the handlers.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(api_routes().router)
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
        .merge(requisition_pages::routes())
        .merge(candidate_pages::routes())
        .merge(interviews::routes())
        .merge(scorecard_pages::routes())
        .merge(comparison::routes())
        .merge(health::routes())
        .merge(static_files::routes())
        .get("/api/openapi.json", Access::SignedIn, move || async move {
            (
                [(header::CONTENT_TYPE, "application/json")],
                openapi_json.as_str().to_owned(),
            )
        })
}

/// Every route of the application with who may use it, pages and API operations alike.
pub fn route_table() -> Vec<RouteInfo> {
    let mut table = pages(Arc::new(String::new())).table;
    table.extend(api_routes().table);
    table
}

/// The beginnings of paths whose last segment is a secret (`/password-reset/{token}`):
/// the request log shows `{token}` in its place.
fn secret_path_prefixes(table: &[RouteInfo]) -> Vec<String> {
    let mut prefixes: Vec<String> = table
        .iter()
        .filter_map(|r| r.path.strip_suffix("{token}"))
        .map(str::to_owned)
        .collect();
    prefixes.sort();
    prefixes.dedup();
    prefixes
}

/// The path as the request log shows it: a secret segment replaced by `{token}`.
fn loggable_path<'a>(path: &'a str, secret_prefixes: &[String]) -> std::borrow::Cow<'a, str> {
    for prefix in secret_prefixes {
        if let Some(rest) = path.strip_prefix(prefix.as_str())
            && !rest.is_empty()
        {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}{{token}}{tail}").into();
        }
    }
    path.into()
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api().split_for_parts();
    let openapi = Arc::new(openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    let secret_prefixes = Arc::new(secret_path_prefixes(&route_table()));
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
    // Outermost last: trace, headers, session, error rendering, authenticate, CSRF, then
    // the route.
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::csrf::protect,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn(crate::error::render_errors))
        .layer(sessions)
        .layer(csp)
        .layer(nosniff)
        .layer(frame)
        .layer(referrer)
        .layer(coop)
        .layer(
            // Method and path only: query strings may carry what a recruiter searched for,
            // and one-time links' tokens are left out of their paths.
            TraceLayer::new_for_http()
                .make_span_with(move |req: &Request<Body>| {
                    let path = loggable_path(req.uri().path(), &secret_prefixes);
                    tracing::info_span!("request", method = %req.method(), path = %path)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

async fn not_found() -> Response {
    AppError::NotFound("There is nothing at this address.".to_owned()).into_response()
}

/// Whether htmx sent the request, so only the fragment it swaps in is needed.
pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_tokens_are_left_out_of_logged_paths() {
        let prefixes = secret_path_prefixes(&route_table());
        for p in ["/setup/", "/invitations/", "/password-reset/"] {
            assert!(prefixes.iter().any(|x| x == p), "{p} in {prefixes:?}");
        }
        assert_eq!(
            loggable_path("/password-reset/abc123", &prefixes),
            "/password-reset/{token}"
        );
        assert_eq!(loggable_path("/setup/abc/x", &prefixes), "/setup/{token}/x");
        assert_eq!(
            loggable_path("/password-reset", &prefixes),
            "/password-reset"
        );
        assert_eq!(
            loggable_path("/roles/diplomat", &prefixes),
            "/roles/diplomat"
        );
    }
}
