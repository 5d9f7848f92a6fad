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
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
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
        let message = self.public_message();
        let page = crate::templates::render_error_page(status, &message);
        (status, Html(page)).into_response()
    }
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
        let body = json!({"error": {"code": self.0.code(), "message": self.0.public_message()}});
        (status, Json(body)).into_response()
    }
}
