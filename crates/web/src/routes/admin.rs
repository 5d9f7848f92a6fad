//! Admin pages: the users of Attaché, their roles, and who may sign in.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::access::{Access, Routes};
use super::page::Page;
use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::services::users::{self, ChangeError};
use crate::state::AppState;
use crate::templates::templates;

const ADMINS: Access = Access::Roles(&[UserRole::Admin]);

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/users", ADMINS, users_page)
        .post("/admin/users/{id}/role", ADMINS, change_role)
        .post("/admin/users/{id}/active", ADMINS, change_active)
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
) -> Result<String> {
    let all: Vec<_> = users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, name => u.name, email => u.email, role => u.role, active => u.active })
        .collect();
    let roles: Vec<&str> = UserRole::ALL.iter().map(|r| r.as_str()).collect();
    let ctx = context! { page, users => all, roles, notice, error };
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
        _ => None,
    };
    Ok(Html(render(&state, page, notice, None).await?))
}

async fn refused(state: &AppState, page: Page, e: ChangeError) -> Result<Response> {
    match e {
        ChangeError::NotFound => Err(AppError::NotFound("There is no such user.".into())),
        ChangeError::Database(e) => Err(e.into()),
        e @ ChangeError::LastAdmin => {
            let html = render(state, page, None, Some(&e.to_string())).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
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
