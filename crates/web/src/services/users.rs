//! Users: creating them and finding them.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, SqlErr,
};
use serde_json::json;

use crate::auth::UserRole;
use crate::db::begin_write;
use crate::entities::users;
use crate::services::audit;

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("a name is required")]
    MissingName,
    #[error("a user with the email {0:?} already exists")]
    EmailTaken(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Trimmed and lower-cased, so one person has one account whatever the capitals.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one `@` with text either side, a dot in the domain, no spaces.
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

/// Create a user; `actor_id` is who did it (`None` for the command line).
///
/// # Errors
/// A bad email or name, an email already in use, or a database failure; nothing is
/// written then.
pub async fn create(
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    role: UserRole,
    password_hash: Option<String>,
    actor_id: Option<i32>,
) -> Result<users::Model, UserError> {
    let txn = begin_write(db).await?;
    let user = create_in(&txn, email, name, role, password_hash, actor_id).await?;
    txn.commit().await?;
    Ok(user)
}

/// [`create`] inside the caller's transaction.
///
/// # Errors
/// As [`create`]; the caller's transaction should then be dropped.
pub async fn create_in(
    txn: &DatabaseTransaction,
    email: &str,
    name: &str,
    role: UserRole,
    password_hash: Option<String>,
    actor_id: Option<i32>,
) -> Result<users::Model, UserError> {
    let email = normalize_email(email);
    if !is_valid_email(&email) {
        return Err(UserError::InvalidEmail(email));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(UserError::MissingName);
    }
    let now = Utc::now();
    let user = users::ActiveModel {
        email: Set(email.clone()),
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        password_hash: Set(password_hash),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => UserError::EmailTaken(email.clone()),
        _ => UserError::Database(e),
    })?;
    audit::record(
        txn,
        actor_id,
        "user.create",
        "user",
        Some(user.id),
        json!({"role": role.as_str()}),
    )
    .await?;
    Ok(user)
}

/// The user with this email, if any.
///
/// # Errors
/// The database failed.
pub async fn find_by_email(
    db: &impl sea_orm::ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Email.eq(normalize_email(email)))
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(
            super::normalize_email("  Ana@Example.ORG "),
            "ana@example.org"
        );
        for ok in ["a@b.co", "first.last+tag@mfa.gov.uk"] {
            assert!(super::is_valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b.co.", "a@b@c.co",
        ] {
            assert!(!super::is_valid_email(bad), "{bad}");
        }
    }
}

/// Why a user could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such user")]
    NotFound,
    #[error("Attaché needs at least one active admin: make someone else an admin first.")]
    LastAdmin,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Every user, admins first, then by name.
///
/// # Errors
/// The database failed.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<users::Model>, DbErr> {
    use sea_orm::QueryOrder;
    let mut all = users::Entity::find()
        .order_by_asc(users::Column::Name)
        .all(db)
        .await?;
    all.sort_by_key(|u| u.role != UserRole::Admin.as_str());
    Ok(all)
}

/// Whether taking `user_id` out of the active admins would leave none.
async fn is_last_active_admin(txn: &DatabaseTransaction, user_id: i32) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    let others = users::Entity::find()
        .filter(users::Column::Role.eq(UserRole::Admin.as_str()))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Id.ne(user_id))
        .count(txn)
        .await?;
    Ok(others == 0)
}

/// Change a user's role, recording who did it and the change in the audit log.
///
/// # Errors
/// No such user, it would leave no active admin, or the database failed; nothing is
/// changed then.
pub async fn set_role(
    db: &DatabaseConnection,
    actor_id: i32,
    user_id: i32,
    role: UserRole,
) -> Result<users::Model, ChangeError> {
    let txn = begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if user.role == role.as_str() {
        return Ok(user);
    }
    if user.role == UserRole::Admin.as_str()
        && user.active
        && is_last_active_admin(&txn, user_id).await?
    {
        return Err(ChangeError::LastAdmin);
    }
    let from = user.role.clone();
    let mut active: users::ActiveModel = user.into();
    active.role = Set(role.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor_id),
        "user.role_change",
        "user",
        Some(user_id),
        json!({"from": from, "to": role.as_str()}),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Deactivate or reactivate a user. A deactivated user's sessions and tokens stop
/// working at their next request.
///
/// # Errors
/// No such user, it would leave no active admin, or the database failed; nothing is
/// changed then.
pub async fn set_active(
    db: &DatabaseConnection,
    actor_id: i32,
    user_id: i32,
    active_now: bool,
) -> Result<users::Model, ChangeError> {
    let txn = begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if user.active == active_now {
        return Ok(user);
    }
    if !active_now
        && user.role == UserRole::Admin.as_str()
        && is_last_active_admin(&txn, user_id).await?
    {
        return Err(ChangeError::LastAdmin);
    }
    let mut active: users::ActiveModel = user.into();
    active.active = Set(active_now);
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    let action = if active_now {
        "user.reactivate"
    } else {
        "user.deactivate"
    };
    audit::record(
        &txn,
        Some(actor_id),
        action,
        "user",
        Some(user_id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
