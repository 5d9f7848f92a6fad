//! Static files compiled into the binary, cached for a year (their URLs carry a content hash).

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::assets::assets;
use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    match assets().by_path(&format!("/static/{file}")) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => AppError::NotFound("There is no such file.".to_owned()).into_response(),
    }
}
