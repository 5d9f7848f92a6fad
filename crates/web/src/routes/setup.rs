//! The first admin's one-time set-up page.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use tower_sessions::Session;

use super::access::{Access, Routes};
use super::auth::Client;
use super::forms::{FieldErrors, check_name, check_new_password, hash_new_password, unprocessable};
use super::page::Page;
use crate::auth::current::begin_session;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path};
use crate::fields;
use crate::services::setup;
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/setup/{token}", Access::Public, setup_page)
        .post("/setup/{token}", Access::Public, complete)
}

fn expired() -> AppError {
    setup::FirstAdminError::InvalidLink.into()
}

async fn setup_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Html<String>> {
    if !setup::is_valid(&state.db, &token).await? {
        return Err(expired());
    }
    let ctx = context! { page, token, name => "", email => "", errors => context! {} };
    Ok(Html(templates().render("auth/setup.html", ctx)?))
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    name: String,
    email: String,
    password: String,
    confirm: String,
}

async fn complete(
    State(state): State<AppState>,
    session: Session,
    page: Page,
    client: Client,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response> {
    // Limited, and the link checked, before any password work: a stranger posting to
    // made-up links must not be able to make the server hash passwords.
    state
        .limits
        .links_per_client
        .hit(&client.0)
        .map_err(AppError::RateLimited)?;
    if !setup::is_valid(&state.db, &token).await? {
        return Err(expired());
    }
    let mut errors = FieldErrors::new();
    check_name(&form.name, &mut errors);
    errors.take(fields::email(&form.email));
    check_new_password(&form.password, &form.confirm, &mut errors);
    if !errors.is_empty() {
        let ctx =
            context! { page, token, name => form.name.trim(), email => form.email.trim(), errors };
        let html = templates().render("auth/setup.html", ctx)?;
        return Ok(unprocessable(html));
    }
    let hash = hash_new_password(&state, form.password).await?;
    let user = setup::complete(&state.db, &token, &form.email, &form.name, hash).await?;
    begin_session(&session, user.id).await?;
    Ok(Redirect::to("/").into_response())
}
