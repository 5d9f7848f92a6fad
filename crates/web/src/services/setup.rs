//! The first admin: a one-time set-up link printed by `attache serve` while there are no
//! users.

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};

use crate::auth::UserRole;
use crate::db::begin_write;
use crate::entities::users;
use crate::services::links::{self, Purpose};
use crate::services::users::UserError;

/// A set-up link works for this long.
pub const VALID_FOR_MINUTES: i64 = links::VALID_FOR_MINUTES;

/// A fresh set-up token if there are no users yet (earlier unused set-up links stop
/// working), or `None` when someone has already set Attaché up.
///
/// # Errors
/// The database failed.
pub async fn start(db: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    let txn = begin_write(db).await?;
    if users::Entity::find().count(&txn).await? > 0 {
        return Ok(None);
    }
    let token = links::create(&txn, Purpose::Setup, None, Some(UserRole::Admin), None).await?;
    txn.commit().await?;
    Ok(Some(token))
}

/// Whether a set-up token is still good: known, unused, unexpired, and no users yet.
///
/// # Errors
/// The database failed.
pub async fn is_valid(db: &DatabaseConnection, token: &str) -> Result<bool, DbErr> {
    Ok(links::find_valid(db, Purpose::Setup, token)
        .await?
        .is_some()
        && users::Entity::find().count(db).await? == 0)
}

/// Why the first admin could not be created.
#[derive(Debug, thiserror::Error)]
pub enum FirstAdminError {
    #[error("This set-up link has expired or has already been used.")]
    InvalidLink,
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<FirstAdminError> for crate::error::AppError {
    fn from(e: FirstAdminError) -> Self {
        match e {
            FirstAdminError::InvalidLink => crate::error::AppError::NotFound(
                "This set-up link has expired or has already been used. Restart `attache serve` for a new one."
                    .into(),
            ),
            FirstAdminError::User(e) => e.into(),
            FirstAdminError::Database(e) => e.into(),
        }
    }
}

/// Create the first admin with the token, once.
///
/// # Errors
/// The link is no longer valid, the details are bad, or the database failed; nothing
/// is written then.
pub async fn complete(
    db: &DatabaseConnection,
    token: &str,
    email: &str,
    name: &str,
    password_hash: String,
) -> Result<users::Model, FirstAdminError> {
    // Checked again inside the write transaction, so two submissions create one admin.
    let txn = begin_write(db).await?;
    let Some(link) = links::find_valid(&txn, Purpose::Setup, token).await? else {
        return Err(FirstAdminError::InvalidLink);
    };
    if users::Entity::find().count(&txn).await? > 0 {
        return Err(FirstAdminError::InvalidLink);
    }
    let user = crate::services::users::create_in(
        &txn,
        email,
        name,
        UserRole::Admin,
        Some(password_hash),
        None,
    )
    .await?;
    links::mark_used(&txn, link).await?;
    txn.commit().await?;
    Ok(user)
}
