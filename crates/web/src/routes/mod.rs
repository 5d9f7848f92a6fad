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

/// The error body every 4xx and 5xx of the API carries, as [`crate::error::render_errors`]
/// writes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // described, never built: the renderer writes the JSON itself
struct Error {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorDetail {
    /// A stable machine-readable code, such as `not_found` or `invalid`.
    code: String,
    /// What went wrong, in words for people.
    message: String,
    /// On 422, a message per field that is wrong.
    fields: Option<std::collections::BTreeMap<String, String>>,
}

/// Answers any operation can give besides its own: a malformed request, no or a wrong
/// token, a role not allowed, too many bad tokens, a body too large, and a moment of
/// overload. Each error response, declared by a handler or here, is given the error body.
/// Applied to the finished document, once the handlers' operations are in it.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::PartialSchema;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert("Error".to_owned(), <Error as PartialSchema>::schema());
        components.schemas.insert(
            "ErrorDetail".to_owned(),
            <ErrorDetail as PartialSchema>::schema(),
        );
        let common: &[(&str, &str, bool)] = &[
            (
                "400",
                "The request is malformed: a parameter of the wrong kind, or a body that is not JSON",
                false,
            ),
            (
                "401",
                "No token was sent, or it is wrong, expired or revoked",
                false,
            ),
            ("403", "The caller's role may not do this", false),
            ("413", "The body is too large", true),
            (
                "429",
                "Too many wrong tokens from this client; `Retry-After` says when to try again",
                false,
            ),
            (
                "503",
                "Attaché is busy for a moment (every database connection in use); `Retry-After` says when to try again",
                false,
            ),
        ];
        let error_content = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                let has_body = op.request_body.is_some();
                let responses = &mut op.responses.responses;
                for (status, description, needs_body) in common {
                    if *needs_body && !has_body {
                        continue;
                    }
                    responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| ResponseBuilder::new().description(*description).into());
                }
                for (status, response) in responses.iter_mut() {
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    if let (true, RefOr::T(r)) = (is_error, response)
                        && r.content.is_empty()
                    {
                        r.content
                            .insert("application/json".to_owned(), error_content());
                    }
                }
            }
        }
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
    let (api, mut openapi) = api().split_for_parts();
    utoipa::Modify::modify(&ErrorResponses, &mut openapi);
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
    // Outermost last: trace, headers, session, error rendering, a panic turned into a 500,
    // authenticate, CSRF, then the route.
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::csrf::protect,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
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

/// A handler panicked: the request gets the ordinary 500, not a dropped connection. The
/// panic itself is reported by the panic hook; its payload may carry request data, so it
/// is not logged again here.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
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
