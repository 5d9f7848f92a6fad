//! One error type for every handler and every rejection. A handler returns [`AppError`];
//! [`render_errors`] turns it into the styled page for browsers, with the navigation of
//! whoever is signed in, or into `{"error": {"code", "message"}}` under `/api/`. Responses
//! that other layers refuse with a bare status (405, 413) get the same treatment.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower_sessions::Session;

use crate::auth::current::{Caller, is_api};
pub use crate::fields::{FieldError, FieldErrors};

/// Handler results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What went wrong, as the user should hear it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing is at this address (or it is not yours: the answer is the same).
    #[error("{0}")]
    NotFound(String),
    /// Nobody is signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in, but not allowed to do this.
    #[error("You do not have access to this.")]
    Forbidden,
    /// A state-changing request without a valid CSRF token.
    #[error("{0}")]
    CsrfRejected(String),
    /// Too many attempts; try again after this many seconds.
    #[error("Too many attempts. Try again in {}.", wait_in_words(*.0))]
    RateLimited(u64),
    /// The request itself is malformed; the message says how to fix it.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Well-formed, but some fields are wrong: 422 with a message per field.
    #[error("{0}")]
    Validation(FieldErrors),
    /// It clashes with what exists (a duplicate, a stale edit): 409.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Every database connection is in use this moment: 503 with `Retry-After`.
    #[error("busy")]
    Busy,
    /// The database failed. Logged with context; the user sees a generic message. (A
    /// database error that is only overload becomes [`AppError::Busy`] in `From`.)
    #[error("database error: {0}")]
    Database(sea_orm::DbErr),
    /// Anything else unexpected. Logged; the user sees a generic message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::db::is_busy(&e) {
            tracing::warn!(error = %e, "busy: answered 503");
            AppError::Busy
        } else {
            AppError::Database(e)
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(e.into())
    }
}

/// What a request hears when every database connection is in use for a moment.
const BUSY_MESSAGE: &str = "Attaché is very busy this moment. Please try again in a second.";

/// "15 minutes", "1 minute", "45 seconds": how long to wait, as a person says it.
pub fn wait_in_words(seconds: u64) -> String {
    if seconds < 60 {
        let s = seconds.max(1);
        return format!("{s} second{}", if s == 1 { "" } else { "s" });
    }
    let minutes = seconds.div_ceil(60);
    format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected(_) => StatusCode::FORBIDDEN,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::CsrfRejected(_) => "csrf",
            AppError::RateLimited(_) => "rate_limited",
            AppError::BadRequest { code, .. } | AppError::Conflict { code, .. } => code,
            AppError::Validation(_) => "invalid",
            AppError::Busy => "busy",
            AppError::Database(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The message shown to the user: never internals.
    fn public_message(&self) -> String {
        match self {
            AppError::Busy => BUSY_MESSAGE.to_owned(),
            AppError::Database(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                "Something went wrong on our side. It has been logged; please try again.".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// What an error response says, carried on the response until [`render_errors`] writes
/// it as a page or as JSON.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    pub fields: FieldErrors,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            code: self.code(),
            message: self.public_message(),
            fields: match &self {
                AppError::Validation(f) => f.clone(),
                _ => FieldErrors::new(),
            },
        };
        // Plain text until rendered, so even a response that skips the renderer says
        // something sensible.
        let mut r = (status, body.message.clone()).into_response();
        if let AppError::RateLimited(s) = self
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let AppError::Unauthenticated(_) = self {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r.extensions_mut().insert(body);
        r
    }
}

/// The body for an error status that some layer answered without an [`AppError`].
fn body_for_bare_status(status: StatusCode) -> ErrorBody {
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This address does not accept that kind of request.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            "What was sent is too large. Send less at a time.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Send this as JSON (Content-Type: application/json) or as a form.",
        ),
        StatusCode::NOT_FOUND => ("not_found", "There is nothing at this address."),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong on our side. It has been logged; please try again.",
        ),
        _ => ("bad_request", "This request could not be understood."),
    };
    ErrorBody {
        code,
        message: message.to_owned(),
        fields: FieldErrors::new(),
    }
}

/// Whether a response already carries a body written for people or programs.
fn has_own_body(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"))
}

/// Render every error response: JSON under `/api/`, otherwise the error page with the
/// navigation of the signed-in user (found on the response, where `authenticate` leaves
/// the caller).
pub async fn render_errors(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let session = req.extensions().get::<Session>().cloned();
    let mut res = next.run(req).await;
    let body = match res.extensions_mut().remove::<ErrorBody>() {
        Some(body) => body,
        None if res.status().is_client_error() || res.status().is_server_error() => {
            if has_own_body(&res) {
                return res;
            }
            body_for_bare_status(res.status())
        }
        None => return res,
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let rendered = if api {
        let mut error = json!({"code": body.code, "message": body.message});
        if !body.fields.is_empty() {
            error["fields"] = json!(body.fields);
        }
        axum::Json(json!({ "error": error })).into_response()
    } else {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default();
        let user = caller.user().cloned();
        let csrf = match (&user, &session) {
            (Some(_), Some(s)) => crate::auth::csrf::session_token(s).await,
            _ => String::new(),
        };
        let page = crate::routes::page::Page { user, csrf };
        let html = crate::templates::render_error_page(parts.status, &body.message, &page);
        axum::response::Html(html).into_response()
    };
    let (rendered_parts, rendered_body) = rendered.into_parts();
    if let Some(t) = rendered_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, t.clone());
    }
    Response::from_parts(parts, rendered_body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn waits_are_said_in_minutes_or_seconds() {
        assert_eq!(super::wait_in_words(899), "15 minutes");
        assert_eq!(super::wait_in_words(60), "1 minute");
        assert_eq!(super::wait_in_words(61), "2 minutes");
        assert_eq!(super::wait_in_words(1), "1 second");
        assert_eq!(super::wait_in_words(0), "1 second");
        assert_eq!(super::wait_in_words(45), "45 seconds");
    }
}
