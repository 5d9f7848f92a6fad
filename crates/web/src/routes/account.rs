//! The signed-in user's own account: who they are, and changing their password.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use sea_orm::EntityTrait;
use serde::Deserialize;
use tower_sessions::Session;

use super::access::{Access, Routes};
use super::forms::{FieldErrors, check_name, check_new_password, hash_new_password, unprocessable};
use super::page::Page;
use crate::auth::current::{CurrentUser, begin_session};
use crate::entities::users;
use crate::error::{AppError, Result};
use crate::extract::{Form, Query};
use crate::services::passwords;
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/account", Access::SignedIn, account_page)
        .post("/account/name", Access::SignedIn, change_name)
        .post("/account/password", Access::SignedIn, change_password)
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn render(page: Page, notice: Option<&str>, name: &str, errors: &FieldErrors) -> Result<String> {
    templates().render("account.html", context! { page, notice, name, errors })
}

async fn account_page(page: Page, Query(q): Query<Done>) -> Result<Html<String>> {
    let notice = match q.done.as_deref() {
        Some("password") => {
            Some("Password changed. Any other session signed in as you has been signed out.")
        }
        Some("name") => Some("Name saved."),
        _ => None,
    };
    let name = page
        .user
        .as_ref()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    Ok(Html(render(page, notice, &name, &FieldErrors::new())?))
}

#[derive(Debug, Deserialize)]
pub struct NameForm {
    name: String,
}

async fn change_name(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    let Some(name) = check_name(&form.name, &mut errors) else {
        return Ok(unprocessable(render(
            page,
            None,
            form.name.trim(),
            &errors,
        )?));
    };
    crate::services::users::rename(&state.db, user.id, &name).await?;
    Ok(Redirect::to("/account?done=name").into_response())
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    session: Session,
    page: Page,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    // The current password is a secret to guess: limited like sign-in, per account.
    state
        .limits
        .password_change_per_account
        .hit(&user.email)
        .map_err(AppError::RateLimited)?;
    let mut errors = FieldErrors::new();
    check_new_password(&form.password, &form.confirm, &mut errors);
    let stored = users::Entity::find_by_id(user.id)
        .one(&state.db)
        .await?
        .and_then(|u| u.password_hash);
    let current_ok = match stored {
        Some(hash) => state.passwords.verify(form.current, hash).await,
        None => false,
    };
    if !current_ok {
        errors.insert("current", "That is not your current password.".to_owned());
    }
    if !errors.is_empty() {
        let name = user.name.clone();
        let html = render(page, None, &name, &errors)?;
        return Ok(unprocessable(html));
    }
    let hash = hash_new_password(&state, form.password).await?;
    passwords::change(&state.db, &state.mail, user.id, hash).await?;
    // This session began before the change; begin it again so only the others end.
    begin_session(&session, user.id).await?;
    Ok(Redirect::to("/account?done=password").into_response())
}
