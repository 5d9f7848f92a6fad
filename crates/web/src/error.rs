//! One error type for every handler, shown as an HTML page or, for the API, as JSON.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

/// Handler results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What went wrong, as the user should hear it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing is at this address.
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
    #[error("Too many attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    /// The request itself is wrong; the message says how to fix it.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// The database failed. Logged with context; the user sees a generic message.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Anything else unexpected. Logged; the user sees a generic message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected(_) => StatusCode::FORBIDDEN,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
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
            AppError::BadRequest { code, .. } => code,
            AppError::Database(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The message shown to the user: never internals.
    fn public_message(&self) -> String {
        match self {
            AppError::Database(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                "Something went wrong on our side. It has been logged; please try again.".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// HTML error pages for browsers.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry = self.retry_after();
        let message = self.public_message();
        let page = crate::templates::render_error_page(status, &message);
        with_retry_after((status, Html(page)).into_response(), retry)
    }
}

impl AppError {
    fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited(s) => Some(*s),
            _ => None,
        }
    }
}

fn with_retry_after(mut r: Response, seconds: Option<u64>) -> Response {
    if let Some(s) = seconds
        && let Ok(v) = axum::http::HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

/// The API's error response: `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let retry = self.0.retry_after();
        let body = json!({"error": {"code": self.0.code(), "message": self.0.public_message()}});
        with_retry_after((status, Json(body)).into_response(), retry)
    }
}
