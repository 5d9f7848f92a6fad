//! Static files compiled into the binary, cached for a year (their URLs carry a content hash).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::access::{Access, Routes};
use crate::assets::assets;
use crate::error::AppError;

pub fn routes() -> Routes {
    Routes::new()
        .get("/static/{file}", Access::Public, serve)
        .get("/favicon.ico", Access::Public, favicon)
}

/// Browsers ask for `/favicon.ico` whatever the page says; answer with the icon.
async fn favicon() -> Response {
    match assets().by_path(assets().url("favicon.svg").unwrap_or_default()) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            a.body,
        )
            .into_response(),
        None => AppError::NotFound("There is no such file.".to_owned()).into_response(),
    }
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
