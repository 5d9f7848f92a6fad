//! The home page: what Attaché is, and the role search.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use super::access::{Access, Routes};
use super::page::Page;
use crate::error::Result;
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new().get("/", Access::SignedIn, home)
}

async fn home(State(state): State<AppState>, page: Page) -> Result<Html<String>> {
    let ctx = context! {
        page,
        q => "",
        catalogue => super::roles::catalogue(&state.taxonomy),
        count => state.taxonomy.roles().len(),
    };
    Ok(Html(templates().render("home.html", ctx)?))
}
