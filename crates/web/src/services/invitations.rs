//! Invitations: an admin invites someone by email with a role; the link in the email lets
//! them choose their name and password, once, within the hour.

use chrono::Utc;
use minijinja::context;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::db::begin_write;
use crate::entities::{invitations, users};
use crate::error::AppError;
use crate::fields::{self, FieldError};
use crate::mail::{Email, Mail, TemplateError};
use crate::services::audit;
use crate::services::links::{self, Purpose, VALID_FOR_MINUTES};
use crate::services::users::UserError;

/// Why an invitation could not be sent or accepted.
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("{0}")]
    InvalidEmail(FieldError),
    #[error("{0} already has an account")]
    AlreadyUser(String),
    #[error("This invitation has expired or has already been used. Ask an admin for a new one.")]
    InvalidLink,
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<InvitationError> for AppError {
    fn from(e: InvitationError) -> Self {
        match e {
            InvitationError::InvalidEmail(e) => e.into(),
            e @ InvitationError::AlreadyUser(_) => {
                AppError::conflict("already_user", format!("{e}."))
            }
            e @ InvitationError::InvalidLink => AppError::NotFound(e.to_string()),
            InvitationError::User(e) => e.into(),
            InvitationError::Database(e) => e.into(),
            e @ InvitationError::Template(_) => AppError::Internal(e.into()),
        }
    }
}

/// Invite `email` as `role`: the invitation and its email are written together, and an
/// earlier unused invitation to the same address stops working.
///
/// # Errors
/// A bad address, an address that already has an account, or a failure; nothing is
/// written then.
pub async fn invite(
    db: &DatabaseConnection,
    mail: &Mail,
    admin: &CurrentUser,
    email: &str,
    role: UserRole,
) -> Result<(), InvitationError> {
    let email = fields::email(email).map_err(InvitationError::InvalidEmail)?;
    let txn = begin_write(db).await?;
    let taken = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(InvitationError::AlreadyUser(email));
    }
    let token = links::create(
        &txn,
        Purpose::Invite,
        Some(&email),
        Some(role),
        Some(admin.id),
    )
    .await?;
    let ctx = context! {
        inviter => admin.name,
        role => role.as_str().replace('_', " "),
        link => mail.link(&format!("/invitations/{token}")),
        minutes => VALID_FOR_MINUTES,
    };
    Email::render(&email, "invitation", ctx)?
        .enqueue(&txn)
        .await?;
    audit::record(
        &txn,
        Some(admin.id),
        "user.invite",
        "invitation",
        None,
        json!({"role": role.as_str()}),
    )
    .await?;
    txn.commit().await?;
    mail.wake();
    Ok(())
}

/// Invitations not yet accepted that still work, newest first.
///
/// # Errors
/// The database failed.
pub async fn pending(db: &DatabaseConnection) -> Result<Vec<invitations::Model>, DbErr> {
    links::pending(db, Purpose::Invite, Utc::now()).await
}

/// Withdraw an invitation, so its link stops working. `false` if there was no such
/// pending invitation.
///
/// # Errors
/// The database failed.
pub async fn revoke(db: &DatabaseConnection, admin_id: i32, id: i32) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    let deleted = invitations::Entity::delete_many()
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::Purpose.eq(Purpose::Invite.as_str()))
        .filter(invitations::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted > 0 {
        audit::record(
            &txn,
            Some(admin_id),
            "user.invite_revoke",
            "invitation",
            Some(id),
            json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(deleted > 0)
}

/// The invitation behind a link, if it still works (its sender still an active admin).
///
/// # Errors
/// The database failed.
pub async fn find(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<invitations::Model>, DbErr> {
    match links::find_valid(db, Purpose::Invite, token).await? {
        Some(link) if inviter_still_admin(db, &link).await? => Ok(Some(link)),
        _ => Ok(None),
    }
}

/// Whether the admin who sent an invitation still has the authority it grants: they
/// exist, are active, and are still an admin.
async fn inviter_still_admin(
    txn: &impl sea_orm::ConnectionTrait,
    link: &invitations::Model,
) -> Result<bool, DbErr> {
    let Some(id) = link.created_by else {
        return Ok(false);
    };
    Ok(users::Entity::find_by_id(id)
        .one(txn)
        .await?
        .is_some_and(|u| u.active && u.role == UserRole::Admin.as_str()))
}

/// Accept an invitation: create the account with the invited address and role, once, and
/// only while the admin who sent it is still an active admin.
///
/// # Errors
/// The link no longer works, the name is missing, or the database failed; nothing is
/// written then.
pub async fn accept(
    db: &DatabaseConnection,
    token: &str,
    name: &str,
    password_hash: String,
) -> Result<users::Model, InvitationError> {
    let txn = begin_write(db).await?;
    let Some(link) = links::find_valid(&txn, Purpose::Invite, token).await? else {
        return Err(InvitationError::InvalidLink);
    };
    if !inviter_still_admin(&txn, &link).await? {
        return Err(InvitationError::InvalidLink);
    }
    let (Some(email), Some(role)) = (
        link.email.clone(),
        link.role
            .as_deref()
            .and_then(|r| r.parse::<UserRole>().ok()),
    ) else {
        return Err(InvitationError::InvalidLink);
    };
    let user = crate::services::users::create_in(
        &txn,
        &email,
        name,
        role,
        Some(password_hash),
        link.created_by,
    )
    .await
    .map_err(|e| match e {
        UserError::EmailTaken(email) => InvitationError::AlreadyUser(email),
        e => e.into(),
    })?;
    links::mark_used(&txn, link).await?;
    txn.commit().await?;
    Ok(user)
}
