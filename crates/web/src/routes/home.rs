//! The home page: what Attaché is, and the role search.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use minijinja::context;

use crate::error::Result;
use crate::state::AppState;
use crate::templates::templates;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<AppState>) -> Result<Html<String>> {
    let roles: Vec<_> = state
        .taxonomy
        .roles()
        .iter()
        .map(|r| context! { slug => r.slug, title => r.title, track => r.track.as_str(), description => r.track.description() })
        .collect();
    Ok(Html(
        templates().render("home.html", context! { roles, q => "" })?,
    ))
}
