//! Changing passwords: signed in, or by a reset link sent by email. Asking for a reset
//! reveals nothing: the answer is the same whether or not the address has an account (the
//! route does this work off the request). Every change signs out the user's other
//! sessions and emails them that their password changed.

use chrono::Utc;
use minijinja::context;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, Set};
use serde_json::json;

use crate::db::begin_write;
use crate::entities::users;
use crate::error::AppError;
use crate::mail::{Email, Mail, TemplateError};
use crate::services::audit;
use crate::services::links::{self, Purpose, VALID_FOR_MINUTES};
use crate::services::users::{find_by_email, normalize_email};

/// Why a password could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("This reset link has expired or has already been used. Ask for a new one.")]
    InvalidLink,
    #[error("there is no such active user")]
    NoUser,
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<PasswordChangeError> for AppError {
    fn from(e: PasswordChangeError) -> Self {
        match e {
            e @ PasswordChangeError::InvalidLink => AppError::NotFound(e.to_string()),
            PasswordChangeError::Database(e) => e.into(),
            e @ (PasswordChangeError::NoUser | PasswordChangeError::Template(_)) => {
                AppError::Internal(e.into())
            }
        }
    }
}

/// Email a reset link to `email` if it belongs to an active account; otherwise do
/// nothing. Returns whether a link was sent, for tests and logs only: never tell the
/// requester.
///
/// # Errors
/// The database failed, or a template is broken.
pub async fn request(
    db: &DatabaseConnection,
    mail: &Mail,
    email: &str,
) -> Result<bool, PasswordChangeError> {
    let email = normalize_email(email);
    let Some(user) = find_by_email(db, &email).await?.filter(|u| u.active) else {
        return Ok(false);
    };
    let txn = begin_write(db).await?;
    let token = links::create(&txn, Purpose::Reset, Some(&user.email), None, None).await?;
    let ctx = context! {
        name => user.name,
        link => mail.link(&format!("/password-reset/{token}")),
        minutes => VALID_FOR_MINUTES,
    };
    Email::render(&user.email, "password_reset", ctx)?
        .enqueue(&txn)
        .await?;
    audit::record(
        &txn,
        None,
        "auth.password_reset_requested",
        "user",
        Some(user.id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    mail.wake();
    Ok(true)
}

/// Whether a reset link still works.
///
/// # Errors
/// The database failed.
pub async fn is_valid(db: &DatabaseConnection, token: &str) -> Result<bool, DbErr> {
    Ok(links::find_valid(db, Purpose::Reset, token)
        .await?
        .is_some())
}

/// Set a new password with a reset link, once. The link is spent, the user's other
/// sessions end, and a notice goes to their address, all in one transaction.
///
/// # Errors
/// The link no longer works (or its account is gone or deactivated), or a failure;
/// nothing is written then.
pub async fn complete(
    db: &DatabaseConnection,
    mail: &Mail,
    token: &str,
    password_hash: String,
) -> Result<users::Model, PasswordChangeError> {
    let txn = begin_write(db).await?;
    let Some(link) = links::find_valid(&txn, Purpose::Reset, token).await? else {
        return Err(PasswordChangeError::InvalidLink);
    };
    let email = link.email.clone().unwrap_or_default();
    let Some(user) = find_by_email(&txn, &email).await?.filter(|u| u.active) else {
        return Err(PasswordChangeError::InvalidLink);
    };
    let user = set_password_in(&txn, mail, user, password_hash, "auth.password_reset").await?;
    links::mark_used(&txn, link).await?;
    txn.commit().await?;
    mail.wake();
    Ok(user)
}

/// Change a user's password (the caller has checked the current one). Other sessions end
/// and a notice is emailed, in one transaction.
///
/// # Errors
/// The user is gone or deactivated, or a failure; nothing is written then.
pub async fn change(
    db: &DatabaseConnection,
    mail: &Mail,
    user_id: i32,
    password_hash: String,
) -> Result<users::Model, PasswordChangeError> {
    let txn = begin_write(db).await?;
    let Some(user) = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
    else {
        return Err(PasswordChangeError::NoUser);
    };
    let user = set_password_in(&txn, mail, user, password_hash, "auth.password_change").await?;
    txn.commit().await?;
    mail.wake();
    Ok(user)
}

/// Set the password, mark when (sessions begun earlier end), spend every unused reset link
/// of the account (a link asked for before the change must not undo it), queue the notice
/// and audit `action`, inside the caller's transaction.
async fn set_password_in(
    txn: &DatabaseTransaction,
    mail: &Mail,
    user: users::Model,
    password_hash: String,
    action: &str,
) -> Result<users::Model, PasswordChangeError> {
    let now = Utc::now();
    let mut changed: users::ActiveModel = user.into();
    changed.password_hash = Set(Some(password_hash));
    changed.password_changed_at = Set(Some(now));
    changed.updated_at = Set(now);
    let user = changed.update(txn).await?;
    links::spend_unused(txn, Purpose::Reset, &user.email).await?;
    let ctx = context! {
        name => user.name,
        when => now.format("%-d %B %Y at %H:%M UTC").to_string(),
        reset_link => mail.link("/password-reset"),
    };
    Email::render(&user.email, "password_changed", ctx)?
        .enqueue(txn)
        .await?;
    audit::record(txn, Some(user.id), action, "user", Some(user.id), json!({})).await?;
    Ok(user)
}
