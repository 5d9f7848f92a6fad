//! Accepting an invitation: the invited person chooses their name and password.

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
use crate::entities::invitations;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path};
use crate::services::invitations::{self as service, InvitationError};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/invitations/{token}", Access::Public, accept_page)
        .post("/invitations/{token}", Access::Public, accept)
}

fn expired() -> AppError {
    AppError::NotFound(InvitationError::InvalidLink.to_string())
}

async fn valid(state: &AppState, token: &str) -> Result<invitations::Model> {
    service::find(&state.db, token).await?.ok_or_else(expired)
}

fn render(
    page: Page,
    token: &str,
    invitation: &invitations::Model,
    name: &str,
    errors: &FieldErrors,
) -> Result<String> {
    let ctx = context! {
        page, token, name, errors,
        email => invitation.email,
        role => invitation.role.as_deref().unwrap_or_default().replace('_', " "),
    };
    templates().render("auth/accept_invitation.html", ctx)
}

async fn accept_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Html<String>> {
    let invitation = valid(&state, &token).await?;
    Ok(Html(render(
        page,
        &token,
        &invitation,
        "",
        &FieldErrors::new(),
    )?))
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    name: String,
    password: String,
    confirm: String,
}

async fn accept(
    State(state): State<AppState>,
    session: Session,
    page: Page,
    client: Client,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response> {
    state
        .limits
        .links_per_client
        .hit(&client.0)
        .map_err(AppError::RateLimited)?;
    // Checked before the costly hash, and again when the account is created.
    let invitation = valid(&state, &token).await?;
    let mut errors = FieldErrors::new();
    check_name(&form.name, &mut errors);
    check_new_password(&form.password, &form.confirm, &mut errors);
    if !errors.is_empty() {
        let html = render(page, &token, &invitation, form.name.trim(), &errors)?;
        return Ok(unprocessable(html));
    }
    let hash = hash_new_password(&state, form.password).await?;
    let user = match service::accept(&state.db, &token, &form.name, hash).await {
        Ok(user) => user,
        Err(e @ InvitationError::AlreadyUser(_)) => {
            return Err(AppError::conflict(
                "already_user",
                format!("{e}. Sign in instead."),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    begin_session(&session, user.id).await?;
    Ok(Redirect::to("/").into_response())
}
