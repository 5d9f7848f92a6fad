//! The first admin's one-time set-up page.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use tower_sessions::Session;

use super::access::{Access, Routes};
use super::forms::{
    EMAIL_HINT, FieldErrors, check_name, check_new_password, hash_new_password, unprocessable,
};
use super::page::Page;
use crate::auth::current::begin_session;
use crate::error::{AppError, Result};
use crate::services::setup::{self, SetupError};
use crate::services::users::{UserError, is_valid_email, normalize_email};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/setup/{token}", Access::Public, setup_page)
        .post("/setup/{token}", Access::Public, complete)
}

fn expired() -> AppError {
    AppError::NotFound("This set-up link has expired or has already been used. Restart `attache serve` for a new one.".into())
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
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    check_name(&form.name, &mut errors);
    if !is_valid_email(&normalize_email(&form.email)) {
        errors.insert("email", EMAIL_HINT.to_owned());
    }
    check_new_password(&form.password, &form.confirm, &mut errors);
    if !errors.is_empty() {
        let ctx =
            context! { page, token, name => form.name.trim(), email => form.email.trim(), errors };
        let html = templates().render("auth/setup.html", ctx)?;
        return Ok(unprocessable(html));
    }
    let hash = hash_new_password(&state, form.password).await?;
    let user = match setup::complete(&state.db, &token, &form.email, &form.name, hash).await {
        Ok(user) => user,
        Err(SetupError::InvalidLink) => return Err(expired()),
        Err(SetupError::User(UserError::Database(e)) | SetupError::Database(e)) => {
            return Err(e.into());
        }
        Err(SetupError::User(e)) => return Err(AppError::bad_request("invalid", e.to_string())),
    };
    begin_session(&session, user.id).await?;
    Ok(Redirect::to("/").into_response())
}
