//! The first admin: a one-time set-up link printed by `attache serve` while there are no
//! users.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

use crate::auth::UserRole;
use crate::auth::tokens::hash_token;
use crate::db::begin_write;
use crate::entities::{invitations, users};
use crate::services::users::UserError;

const PURPOSE: &str = "setup";
/// A set-up link works for this long.
pub const VALID_FOR_MINUTES: i64 = 60;

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
    invitations::Entity::delete_many()
        .filter(invitations::Column::Purpose.eq(PURPOSE))
        .exec(&txn)
        .await?;
    let token = crate::auth::random_hex(32);
    let now = Utc::now();
    invitations::ActiveModel {
        purpose: Set(PURPOSE.to_owned()),
        token_hash: Set(hash_token(&token)),
        email: Set(None),
        role: Set(Some(UserRole::Admin.as_str().to_owned())),
        created_by: Set(None),
        expires_at: Set(now + Duration::minutes(VALID_FOR_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(token))
}

/// Whether a set-up token is still good: known, unused, unexpired, and no users yet.
///
/// # Errors
/// The database failed.
pub async fn is_valid(db: &DatabaseConnection, token: &str) -> Result<bool, DbErr> {
    Ok(find(db, token).await?.is_some() && users::Entity::find().count(db).await? == 0)
}

async fn find(
    db: &impl sea_orm::ConnectionTrait,
    token: &str,
) -> Result<Option<invitations::Model>, DbErr> {
    invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(token)))
        .filter(invitations::Column::Purpose.eq(PURPOSE))
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await
}

/// Why the first admin could not be created.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("This set-up link has expired or has already been used.")]
    InvalidLink,
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Database(#[from] DbErr),
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
) -> Result<users::Model, SetupError> {
    // Checked again inside the write transaction, so two submissions create one admin.
    let txn = begin_write(db).await?;
    let Some(link) = find(&txn, token).await? else {
        return Err(SetupError::InvalidLink);
    };
    if users::Entity::find().count(&txn).await? > 0 {
        return Err(SetupError::InvalidLink);
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
    let mut used: invitations::ActiveModel = link.into();
    used.used_at = Set(Some(Utc::now()));
    used.update(&txn).await?;
    txn.commit().await?;
    Ok(user)
}
