//! Role search: normalisation, the index, and the response shape the API and CLI share.

pub mod index;
pub mod normalize;

use serde::Serialize;

pub use index::{Field, MAX_LIMIT, Matched, SearchHit, SearchIndex};

/// `GET /api/v1/roles?q=` and `attache roles search --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResponse {
    pub query: String,
    pub results: Vec<SearchHit>,
}
