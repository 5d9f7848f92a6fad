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
use crate::error::AppError;
use crate::fields::{self, FieldErrors, capitalise};
use crate::services::{audit, links};

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The email address or name is not acceptable; a message per field.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("a user with the email {0:?} already exists")]
    EmailTaken(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<UserError> for AppError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Invalid(fields) => AppError::Validation(fields),
            e @ UserError::EmailTaken(_) => {
                AppError::conflict("email_taken", capitalise(&e.to_string()) + ".")
            }
            UserError::Database(e) => e.into(),
        }
    }
}

pub use crate::fields::normalize_email;

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
    let mut errors = FieldErrors::new();
    let email = errors.take(fields::email(email));
    let name = errors.take(fields::required(fields::NAME, name));
    let (Some(email), Some(name)) = (email, name) else {
        return Err(UserError::Invalid(errors));
    };
    let now = Utc::now();
    let user = users::ActiveModel {
        email: Set(email.clone()),
        name: Set(name),
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

/// Why a user could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum UserChangeError {
    #[error("no such user")]
    NotFound,
    #[error("Attaché needs at least one active admin: make someone else an admin first.")]
    LastAdmin,
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<UserChangeError> for AppError {
    fn from(e: UserChangeError) -> Self {
        match e {
            UserChangeError::NotFound => AppError::NotFound("There is no such user.".into()),
            e @ UserChangeError::LastAdmin => AppError::conflict("last_admin", e.to_string()),
            UserChangeError::Database(e) => e.into(),
        }
    }
}

/// An audit detail, with how many invitations a change withdrew when it withdrew any.
fn with_withdrawn(mut detail: serde_json::Value, withdrawn: u64) -> serde_json::Value {
    if withdrawn > 0 {
        detail["invitations_withdrawn"] = json!(withdrawn);
    }
    detail
}

/// Change a user's own name (already checked), audited.
///
/// # Errors
/// No such user, or the database failed.
pub async fn rename(
    db: &DatabaseConnection,
    user_id: i32,
    name: &str,
) -> Result<users::Model, UserChangeError> {
    let txn = begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(UserChangeError::NotFound)?;
    let mut active: users::ActiveModel = user.into();
    active.name = Set(name.to_owned());
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(user_id),
        "user.rename",
        "user",
        Some(user_id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    // Cached API callers must not outlive the change.
    crate::services::api_tokens::forget_all();
    Ok(user)
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
) -> Result<users::Model, UserChangeError> {
    let txn = begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(UserChangeError::NotFound)?;
    if user.role == role.as_str() {
        return Ok(user);
    }
    if user.role == UserRole::Admin.as_str()
        && user.active
        && is_last_active_admin(&txn, user_id).await?
    {
        return Err(UserChangeError::LastAdmin);
    }
    let from = user.role.clone();
    let mut active: users::ActiveModel = user.into();
    active.role = Set(role.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    // Invitations carry the authority of the admin who sent them; it ends here.
    let withdrawn = if from == UserRole::Admin.as_str() {
        links::withdraw_invitations_by(&txn, user_id).await?
    } else {
        0
    };
    audit::record(
        &txn,
        Some(actor_id),
        "user.role_change",
        "user",
        Some(user_id),
        with_withdrawn(json!({"from": from, "to": role.as_str()}), withdrawn),
    )
    .await?;
    txn.commit().await?;
    // Cached API callers must not outlive the change.
    crate::services::api_tokens::forget_all();
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
) -> Result<users::Model, UserChangeError> {
    let txn = begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(UserChangeError::NotFound)?;
    if user.active == active_now {
        return Ok(user);
    }
    if !active_now
        && user.role == UserRole::Admin.as_str()
        && is_last_active_admin(&txn, user_id).await?
    {
        return Err(UserChangeError::LastAdmin);
    }
    let was_admin = user.role == UserRole::Admin.as_str();
    let mut active: users::ActiveModel = user.into();
    active.active = Set(active_now);
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    let (action, withdrawn) = if active_now {
        ("user.reactivate", 0)
    } else if was_admin {
        // A deactivated admin's invitations no longer carry any authority.
        (
            "user.deactivate",
            links::withdraw_invitations_by(&txn, user_id).await?,
        )
    } else {
        ("user.deactivate", 0)
    };
    audit::record(
        &txn,
        Some(actor_id),
        action,
        "user",
        Some(user_id),
        with_withdrawn(json!({}), withdrawn),
    )
    .await?;
    txn.commit().await?;
    // Cached API callers must not outlive the change.
    crate::services::api_tokens::forget_all();
    Ok(user)
}
