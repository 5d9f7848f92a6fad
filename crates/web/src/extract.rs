//! axum's extractors with their rejections turned into [`AppError`], so a bad path
//! parameter, form or JSON body gets the styled page or the API's JSON error, never the
//! framework's plain text.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A JSON request body, or a JSON response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// A URL-encoded form body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

/// Path parameters. One that does not parse (`/users/abc` for a number) names nothing
/// that exists: 404.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

/// Query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => AppError::bad_request(
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.",
            ),
            JsonRejection::JsonSyntaxError(e) => AppError::bad_request(
                "invalid_json",
                format!("The body is not valid JSON: {}", source_text(&e)),
            ),
            JsonRejection::JsonDataError(e) => AppError::bad_request(
                "invalid_body",
                format!(
                    "The JSON does not have the expected fields: {}",
                    source_text(&e)
                ),
            ),
            JsonRejection::BytesRejection(_) => AppError::bad_request(
                "body_unreadable",
                "The body could not be read; it may be too large.",
            ),
            _ => AppError::bad_request("invalid_body", "The JSON body could not be read."),
        }
    }
}

impl From<FormRejection> for AppError {
    fn from(r: FormRejection) -> Self {
        match r {
            FormRejection::FailedToDeserializeForm(e) => form_problem(&e),
            FormRejection::FailedToDeserializeFormBody(e) => form_problem(&e),
            _ => AppError::bad_request(
                "invalid_form",
                "This form could not be read. Reload the page and try again.",
            ),
        }
    }
}

fn form_problem(e: &(dyn std::error::Error + 'static)) -> AppError {
    AppError::bad_request(
        "invalid_form",
        format!(
            "This form is missing something or has a value of the wrong kind ({}). Reload the page and try again.",
            source_text(e)
        ),
    )
}

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        AppError::NotFound("There is nothing at this address.".to_owned())
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        let detail = match &r {
            QueryRejection::FailedToDeserializeQueryString(e) => source_text(e),
            _ => String::new(),
        };
        AppError::bad_request(
            "invalid_query",
            format!("The address has a parameter of the wrong kind. {detail}")
                .trim()
                .to_owned(),
        )
    }
}

/// The innermost error's text: serde's account of what is wrong, without axum's prefix.
fn source_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(s) = inner.source() {
        inner = s;
    }
    inner.to_string()
}

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(Json(v))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S, T> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Form(v) = axum::Form::<T>::from_request(req, state).await?;
        Ok(Form(v))
    }
}

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(v))
    }
}

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(v))
    }
}
