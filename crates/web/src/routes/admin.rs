//! Admin pages: the users of Attaché, their roles, and who may sign in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::access::{Access, Routes};
use super::page::Page;
use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path, Query};
use crate::services::invitations::{self, InvitationError};
use crate::services::users::{self, UserChangeError};
use crate::state::AppState;
use crate::templates::templates;

const ADMINS: Access = Access::Roles(&[UserRole::Admin]);

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/users", ADMINS, users_page)
        .post("/admin/users/{id}/role", ADMINS, change_role)
        .post("/admin/users/{id}/active", ADMINS, change_active)
        .post("/admin/invitations", ADMINS, invite)
        .post("/admin/invitations/{id}/revoke", ADMINS, revoke)
}

#[derive(Debug, Deserialize)]
pub struct Notice {
    done: Option<String>,
}

async fn render(
    state: &AppState,
    page: Page,
    notice: Option<&str>,
    error: Option<&str>,
    invite_form: Option<&InviteForm>,
) -> Result<String> {
    let all: Vec<_> = users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, name => u.name, email => u.email, role => u.role, active => u.active })
        .collect();
    let pending: Vec<_> = invitations::pending(&state.db)
        .await?
        .into_iter()
        .map(|i| {
            context! {
                id => i.id, email => i.email, role => i.role,
                expires => i.expires_at.format("%H:%M UTC").to_string(),
            }
        })
        .collect();
    let roles: Vec<&str> = UserRole::ALL.iter().map(|r| r.as_str()).collect();
    let ctx = context! { page, users => all, pending, roles, notice, error, invite => invite_form };
    templates().render("admin/users.html", ctx)
}

async fn users_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<Notice>,
) -> Result<Html<String>> {
    let notice = match q.done.as_deref() {
        Some("role") => Some("Role changed."),
        Some("active") => Some("Access changed."),
        Some("invited") => Some("Invitation sent. The link in it works for an hour."),
        Some("revoked") => Some("Invitation withdrawn; its link no longer works."),
        _ => None,
    };
    Ok(Html(render(&state, page, notice, None, None).await?))
}

async fn refused(state: &AppState, page: Page, e: UserChangeError) -> Result<Response> {
    match e {
        e @ UserChangeError::LastAdmin => {
            let html = render(state, page, None, Some(&e.to_string()), None).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        e => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    page: Page,
    admin: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<RoleForm>,
) -> Result<Response> {
    let role: UserRole = form
        .role
        .parse()
        .map_err(|e: crate::auth::UnknownUserRole| {
            AppError::bad_request("invalid_role", e.to_string())
        })?;
    match users::set_role(&state.db, admin.id, id, role).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=role").into_response()),
        Err(e) => refused(&state, page, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
}

async fn change_active(
    State(state): State<AppState>,
    page: Page,
    admin: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<ActiveForm>,
) -> Result<Response> {
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        other => {
            return Err(AppError::bad_request(
                "invalid",
                format!("active must be true or false, not {other:?}"),
            ));
        }
    };
    match users::set_active(&state.db, admin.id, id, active).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=active").into_response()),
        Err(e) => refused(&state, page, e).await,
    }
}

#[derive(Debug, Deserialize, serde::Serialize)]
pub struct InviteForm {
    email: String,
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    page: Page,
    admin: CurrentUser,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    let refuse = async |status: StatusCode, message: String| -> Result<Response> {
        let html = render(&state, page, None, Some(&message), Some(&form)).await?;
        Ok((status, Html(html)).into_response())
    };
    let Ok(role) = form.role.parse::<UserRole>() else {
        let message = format!("Choose a role; {:?} is not one.", form.role);
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, message).await;
    };
    match invitations::invite(&state.db, &state.mail, &admin, &form.email, role).await {
        Ok(()) => Ok(Redirect::to("/admin/users?done=invited").into_response()),
        Err(InvitationError::InvalidEmail(e)) => {
            refuse(StatusCode::UNPROCESSABLE_ENTITY, e.message).await
        }
        Err(e @ InvitationError::AlreadyUser(_)) => {
            refuse(StatusCode::CONFLICT, format!("{e}.")).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    if invitations::revoke(&state.db, admin.id, id).await? {
        Ok(Redirect::to("/admin/users?done=revoked").into_response())
    } else {
        Err(AppError::NotFound(
            "There is no such pending invitation.".into(),
        ))
    }
}
