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
    // New people start with the least access; an admin raises it on purpose.
    let invite_role = invite_form.map_or(UserRole::Interviewer.as_str(), |f| f.role.as_str());
    let ctx = context! {
        page, users => all, pending, roles, notice, error, invite => invite_form, invite_role,
    };
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

/// A page asking to confirm a change that cannot be undone with one click, with a form
/// that repeats the request plus `confirm=yes`.
struct Confirm<'a> {
    title: String,
    explanation: String,
    action: String,
    fields: Vec<(&'a str, String)>,
    button: String,
}

fn confirm_page(page: Page, c: Confirm<'_>) -> Result<Response> {
    let fields: Vec<_> = c
        .fields
        .iter()
        .map(|(name, value)| context! { name => name, value => value })
        .collect();
    let ctx = context! {
        page, title => c.title, explanation => c.explanation, action => c.action,
        fields, button => c.button,
    };
    Ok(Html(templates().render("admin/confirm.html", ctx)?).into_response())
}

async fn user_name(state: &AppState, id: i32) -> Result<String> {
    use sea_orm::EntityTrait;
    crate::entities::users::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(|u| u.name)
        .ok_or_else(|| UserChangeError::NotFound.into())
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
    confirm: Option<String>,
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
    if id == admin.id && role != UserRole::Admin && form.confirm.as_deref() != Some("yes") {
        let role_name = role.as_str().replace('_', " ");
        return confirm_page(
            page,
            Confirm {
                title: format!("Make yourself {} {role_name}?", article(&role_name)),
                explanation: "You will lose admin access at once: you will no longer see this \
                    page or manage users, and only another admin can give it back."
                    .to_owned(),
                action: format!("/admin/users/{id}/role"),
                fields: vec![("role", role.as_str().to_owned())],
                button: format!(
                    "Give up admin access and become {} {role_name}",
                    article(&role_name)
                ),
            },
        );
    }
    match users::set_role(&state.db, admin.id, id, role).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=role").into_response()),
        Err(e) => refused(&state, page, e).await,
    }
}

/// "a" or "an", for a role's name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
    confirm: Option<String>,
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
    if !active && form.confirm.as_deref() != Some("yes") {
        let name = user_name(&state, id).await?;
        return confirm_page(
            page,
            Confirm {
                title: format!("Deactivate {name}?"),
                explanation: format!(
                    "{name} will be signed out at once, their API tokens will stop working, and \
                     any invitations they sent will be withdrawn. Their scorecards and decisions \
                     stay. You can reactivate them later."
                ),
                action: format!("/admin/users/{id}/active"),
                fields: vec![("active", "false".to_owned())],
                button: format!("Deactivate {name}"),
            },
        );
    }
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

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    confirm: Option<String>,
}

async fn revoke(
    State(state): State<AppState>,
    page: Page,
    admin: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<RevokeForm>,
) -> Result<Response> {
    if form.confirm.as_deref() != Some("yes") {
        let email = invitations::pending(&state.db)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .and_then(|i| i.email)
            .ok_or_else(|| AppError::NotFound("There is no such pending invitation.".into()))?;
        return confirm_page(
            page,
            Confirm {
                title: format!("Withdraw the invitation to {email}?"),
                explanation: "The link in the email will stop working. You can invite them again \
                    later."
                    .to_owned(),
                action: format!("/admin/invitations/{id}/revoke"),
                fields: vec![],
                button: "Withdraw the invitation".to_owned(),
            },
        );
    }
    if invitations::revoke(&state.db, admin.id, id).await? {
        Ok(Redirect::to("/admin/users?done=revoked").into_response())
    } else {
        Err(AppError::NotFound(
            "There is no such pending invitation.".into(),
        ))
    }
}
