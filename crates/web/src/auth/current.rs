//! Who made this request: a signed-in session or an API token. `authenticate` runs on
//! every request and leaves a [`Caller`] for handlers and access checks.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::EntityTrait;
use serde::Serialize;
use tower_sessions::Session;

use crate::auth::UserRole;
use crate::entities::users;
use crate::error::AppError;
use crate::state::AppState;

/// Session key of the signed-in user's id.
pub const USER_ID: &str = "user_id";
/// Session key of when the user signed in (Unix milliseconds), for the absolute expiry and
/// to end sessions begun before a password change.
pub const SIGNED_IN_AT: &str = "signed_in_at_ms";
/// However active, a session ends this long after sign-in.
pub const ABSOLUTE_EXPIRY_SECONDS: i64 = 7 * 24 * 3600;

/// Sign `user_id` in on this session. The session id and its CSRF token change first, so
/// neither an id nor a token obtained before sign-in is worth anything after it.
///
/// # Errors
/// The session store failed.
pub async fn begin_session(session: &Session, user_id: i32) -> Result<(), AppError> {
    let fail = |e: tower_sessions::session::Error| AppError::Internal(e.into());
    session.cycle_id().await.map_err(fail)?;
    crate::auth::csrf::renew(session).await.map_err(fail)?;
    session.insert(USER_ID, user_id).await.map_err(fail)?;
    session
        .insert(SIGNED_IN_AT, Utc::now().timestamp_millis())
        .await
        .map_err(fail)
}

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    #[serde(serialize_with = "role_str")]
    pub role: UserRole,
}

fn role_str<S: serde::Serializer>(r: &UserRole, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// How the caller proved who they are. Bearer requests are exempt from CSRF checks:
/// a browser never attaches the header by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Bearer,
}

/// The caller of a request, if any.
#[derive(Debug, Clone, Default)]
pub struct Caller(pub Option<(CurrentUser, Via)>);

impl Caller {
    pub fn user(&self) -> Option<&CurrentUser> {
        self.0.as_ref().map(|(u, _)| u)
    }

    pub fn via(&self) -> Option<Via> {
        self.0.as_ref().map(|(_, v)| *v)
    }
}

fn to_current(u: users::Model) -> Option<CurrentUser> {
    let role = u.role.parse().ok()?;
    u.active.then_some(CurrentUser {
        id: u.id,
        email: u.email,
        name: u.name,
        role,
    })
}

/// The user of a session begun at `signed_in_at` (Unix milliseconds): `None` when they have
/// been deactivated or their password has changed since, which signs the session out.
fn to_current_since(u: users::Model, signed_in_at: i64) -> Option<CurrentUser> {
    if u.password_changed_at
        .is_some_and(|changed| changed.timestamp_millis() > signed_in_at)
    {
        return None;
    }
    to_current(u)
}

pub(crate) fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn unauthenticated(message: &str) -> Response {
    AppError::Unauthenticated(message.to_owned()).into_response()
}

/// Work out the caller: under `/api/`, a valid `Authorization: Bearer` token; otherwise,
/// or without a token, the session's user. A malformed or unknown token is refused with
/// 401 rather than ignored. Pages never accept tokens: a token is for programs, and a
/// page's forms are protected by the session's CSRF token, which a token has not.
///
/// The caller is also left on the response, for the error pages' navigation, and a
/// signed-in user's responses are marked `Cache-Control: no-store`, so pages with their
/// data do not stay in a shared browser's cache after they sign out.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let mut caller = Caller::default();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .filter(|_| is_api(req.uri().path()));
    if let Some(value) = bearer {
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        let client = state.limits.client(req.headers(), peer);
        let refuse_token = |message: &str| match state.limits.bad_tokens_per_client.hit(&client) {
            Ok(()) => unauthenticated(message),
            Err(wait) => AppError::RateLimited(wait).into_response(),
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return refuse_token("the Authorization header must be `Bearer TOKEN`");
        };
        match crate::services::api_tokens::authenticate(&state.db, token).await {
            Ok(Some(user)) => caller = Caller(to_current(user).map(|u| (u, Via::Bearer))),
            Ok(None) => return refuse_token("that API token is not valid"),
            Err(e) => return AppError::from(e).into_response(),
        }
        if caller.0.is_none() {
            return refuse_token("that API token is not valid");
        }
    } else {
        let user_id = match session.get::<i32>(USER_ID).await {
            Ok(id) => id,
            // The session store failed: not the same as being signed out.
            Err(e) => return session_store_failed(&e).into_response(),
        };
        if let Some(user_id) = user_id {
            let signed_in_at = session
                .get::<i64>(SIGNED_IN_AT)
                .await
                .ok()
                .flatten()
                .unwrap_or(0);
            if Utc::now().timestamp_millis() - signed_in_at > ABSOLUTE_EXPIRY_SECONDS * 1000 {
                let _ = session.flush().await;
            } else {
                match users::Entity::find_by_id(user_id).one(&state.db).await {
                    Ok(Some(user)) => match to_current_since(user, signed_in_at) {
                        Some(u) => caller = Caller(Some((u, Via::Session))),
                        // Deactivated, or the password changed, since signing in: the
                        // session ends now.
                        None => {
                            let _ = session.flush().await;
                        }
                    },
                    Ok(None) => {
                        let _ = session.flush().await;
                    }
                    Err(e) => return AppError::from(e).into_response(),
                }
            }
        }
    }
    req.extensions_mut().insert(caller.clone());
    let mut res = next.run(req).await;
    if caller.user().is_some() && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    res.extensions_mut().insert(caller);
    res
}

/// The error for a session store that failed: busy (503) when the database had no
/// connection free, otherwise an internal error.
fn session_store_failed(e: &tower_sessions::session::Error) -> AppError {
    if super::session_store::is_busy(e) {
        AppError::Busy
    } else {
        AppError::Internal(anyhow::anyhow!("session store: {e}"))
    }
}

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [UserRole]),
}

impl Access {
    /// Whether this caller may pass.
    pub fn allows(self, caller: &Caller) -> bool {
        match (self, caller.user()) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::Roles(roles), Some(u)) => roles.contains(&u.role),
        }
    }
}

/// Refuse a request its caller may not make: 401 (API) or a redirect to sign in (pages)
/// when nobody is signed in, 403 when the signed-in user lacks the role.
pub fn refuse(access: Access, caller: &Caller, path_and_query: &str) -> Option<Response> {
    if access.allows(caller) {
        return None;
    }
    let api = is_api(path_and_query);
    Some(match (caller.user(), api) {
        (None, true) => unauthenticated("sign in or send `Authorization: Bearer TOKEN`"),
        (None, false) => {
            let next = urlencode(path_and_query);
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/sign-in?next={next}"))],
            )
                .into_response()
        }
        (Some(_), _) => AppError::Forbidden.into_response(),
    })
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The signed-in user, for handlers behind `Access::SignedIn` or `Access::Roles`.
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default();
        match caller.user() {
            Some(u) => Ok(u.clone()),
            None => Err(refuse(Access::SignedIn, &caller, parts.uri.path())
                .unwrap_or_else(|| AppError::Forbidden.into_response())),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default())
    }
}
