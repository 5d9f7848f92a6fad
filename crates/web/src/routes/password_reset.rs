//! Forgotten passwords: ask for a link by email, then choose a new password with it.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::access::{Access, Routes};
use super::auth::Client;
use super::forms::{FieldErrors, check_new_password, hash_new_password, unprocessable};
use super::page::Page;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path};
use crate::fields;
use crate::services::links::VALID_FOR_MINUTES;
use crate::services::passwords::{self as password_reset, PasswordChangeError};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/password-reset", Access::Public, request_page)
        .post("/password-reset", Access::Public, request)
        .get("/password-reset/{token}", Access::Public, reset_page)
        .post("/password-reset/{token}", Access::Public, reset)
}

async fn request_page(page: Page) -> Result<Html<String>> {
    let ctx = context! { page, email => "", error => "" };
    Ok(Html(templates().render("auth/reset_request.html", ctx)?))
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    email: String,
}

/// The same page, at once, whether or not the address has an account: the lookup and the
/// email happen after the response, so neither the answer nor its timing tells.
async fn request(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    Form(form): Form<RequestForm>,
) -> Result<Response> {
    state
        .limits
        .reset_per_client
        .hit(&client.0)
        .map_err(AppError::RateLimited)?;
    let email = match fields::email(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let ctx = context! { page, email => form.email.trim(), error => e.message };
            let html = templates().render("auth/reset_request.html", ctx)?;
            return Ok(unprocessable(html));
        }
    };
    // Counted for every address, known or not, so the limit itself reveals nothing.
    state
        .limits
        .reset_per_account
        .hit(&email)
        .map_err(AppError::RateLimited)?;
    let (db, mail, address) = (state.db.clone(), state.mail.clone(), email.clone());
    state.background.spawn(async move {
        if let Err(e) = password_reset::request(&db, &mail, &address).await {
            tracing::error!(error = %e, "could not handle a password reset request");
        }
    });
    let ctx = context! { page, email, minutes => VALID_FOR_MINUTES };
    Ok(Html(templates().render("auth/reset_sent.html", ctx)?).into_response())
}

fn expired() -> AppError {
    AppError::NotFound(
        "This reset link has expired or has already been used. Ask for a new one at /password-reset."
            .into(),
    )
}

async fn reset_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Html<String>> {
    if !password_reset::is_valid(&state.db, &token).await? {
        return Err(expired());
    }
    let ctx = context! { page, token, errors => FieldErrors::new() };
    Ok(Html(templates().render("auth/reset.html", ctx)?))
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

async fn reset(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    state
        .limits
        .reset_per_client
        .hit(&client.0)
        .map_err(AppError::RateLimited)?;
    // Checked before the costly hash, and again when the password is written.
    if !password_reset::is_valid(&state.db, &token).await? {
        return Err(expired());
    }
    let mut errors = FieldErrors::new();
    check_new_password(&form.password, &form.confirm, &mut errors);
    if !errors.is_empty() {
        let html = templates().render("auth/reset.html", context! { page, token, errors })?;
        return Ok(unprocessable(html));
    }
    let hash = hash_new_password(&state, form.password).await?;
    match password_reset::complete(&state.db, &state.mail, &token, hash).await {
        Ok(_) => Ok(Redirect::to("/sign-in?done=password").into_response()),
        Err(PasswordChangeError::InvalidLink) => Err(expired()),
        Err(e) => Err(e.into()),
    }
}
