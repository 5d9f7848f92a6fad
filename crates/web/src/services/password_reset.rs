//! Password reset by email. Asking for a reset reveals nothing: the answer is the same
//! whether or not the address has an account (the route does this work off the request).
//! Completing one changes the password, spends the link, signs out every other session
//! of the user, and emails them that their password changed.

use chrono::Utc;
use minijinja::context;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, Set};
use serde_json::json;

use crate::db::begin_write;
use crate::entities::users;
use crate::mail::{Email, Mail, TemplateError};
use crate::services::audit;
use crate::services::links::{self, Purpose, VALID_FOR_MINUTES};
use crate::services::users::{find_by_email, normalize_email};

/// Why a reset could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("This reset link has expired or has already been used. Ask for a new one.")]
    InvalidLink,
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Database(#[from] DbErr),
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
) -> Result<bool, ResetError> {
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
) -> Result<users::Model, ResetError> {
    let txn = begin_write(db).await?;
    let Some(link) = links::find_valid(&txn, Purpose::Reset, token).await? else {
        return Err(ResetError::InvalidLink);
    };
    let email = link.email.clone().unwrap_or_default();
    let Some(user) = find_by_email(&txn, &email).await?.filter(|u| u.active) else {
        return Err(ResetError::InvalidLink);
    };
    let now = Utc::now();
    let mut changed: users::ActiveModel = user.into();
    changed.password_hash = Set(Some(password_hash));
    changed.password_changed_at = Set(Some(now));
    changed.updated_at = Set(now);
    let user = changed.update(&txn).await?;
    links::mark_used(&txn, link).await?;
    let ctx = context! {
        name => user.name,
        when => now.format("%-d %B %Y at %H:%M UTC").to_string(),
        reset_link => mail.link("/password-reset"),
    };
    Email::render(&user.email, "password_changed", ctx)?
        .enqueue(&txn)
        .await?;
    audit::record(
        &txn,
        Some(user.id),
        "auth.password_reset",
        "user",
        Some(user.id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    mail.wake();
    Ok(user)
}
