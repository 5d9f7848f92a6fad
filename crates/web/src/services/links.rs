//! One-time links: the first admin's set-up, invitations and password resets. Each is a
//! random token that appears only in the link; the database keeps its SHA-256. A link
//! works once, for at most [`VALID_FOR_MINUTES`].

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::auth::UserRole;
use crate::auth::tokens::hash_token;
use crate::entities::invitations;

/// Every link works for this long.
pub const VALID_FOR_MINUTES: i64 = 60;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Setup,
    Invite,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// A new link for `purpose` and `email`; earlier unused links with the same purpose and
/// email stop working. Returns the token, which is not stored.
///
/// # Errors
/// The database failed.
pub async fn create(
    txn: &impl ConnectionTrait,
    purpose: Purpose,
    email: Option<&str>,
    role: Option<UserRole>,
    created_by: Option<i32>,
) -> Result<String, DbErr> {
    let mut earlier = invitations::Entity::delete_many()
        .filter(invitations::Column::Purpose.eq(purpose.as_str()))
        .filter(invitations::Column::UsedAt.is_null());
    earlier = match email {
        Some(email) => earlier.filter(invitations::Column::Email.eq(email)),
        None => earlier.filter(invitations::Column::Email.is_null()),
    };
    earlier.exec(txn).await?;
    let token = crate::auth::random_hex(32);
    let now = Utc::now();
    invitations::ActiveModel {
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(hash_token(&token)),
        email: Set(email.map(str::to_owned)),
        role: Set(role.map(|r| r.as_str().to_owned())),
        created_by: Set(created_by),
        expires_at: Set(now + Duration::minutes(VALID_FOR_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// The link for `token` if it is for `purpose`, unused and unexpired.
///
/// # Errors
/// The database failed.
pub async fn find_valid(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
) -> Result<Option<invitations::Model>, DbErr> {
    invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(token)))
        .filter(invitations::Column::Purpose.eq(purpose.as_str()))
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await
}

/// Spend a link, so it never works again.
///
/// # Errors
/// The database failed.
pub async fn mark_used(txn: &impl ConnectionTrait, link: invitations::Model) -> Result<(), DbErr> {
    let mut used: invitations::ActiveModel = link.into();
    used.used_at = Set(Some(Utc::now()));
    used.update(txn).await.map(|_| ())
}

/// Spend every unused link for `purpose` and `email`, so none of them works again.
///
/// # Errors
/// The database failed.
pub async fn spend_unused(
    txn: &impl ConnectionTrait,
    purpose: Purpose,
    email: &str,
) -> Result<u64, DbErr> {
    let res = invitations::Entity::update_many()
        .col_expr(invitations::Column::UsedAt, Expr::value(Utc::now()))
        .filter(invitations::Column::Purpose.eq(purpose.as_str()))
        .filter(invitations::Column::Email.eq(email))
        .filter(invitations::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(res.rows_affected)
}

/// Withdraw every unused invitation `user_id` sent: they no longer have the authority
/// to grant the roles in them.
///
/// # Errors
/// The database failed.
pub async fn withdraw_invitations_by(
    txn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<u64, DbErr> {
    let res = invitations::Entity::delete_many()
        .filter(invitations::Column::Purpose.eq(Purpose::Invite.as_str()))
        .filter(invitations::Column::CreatedBy.eq(user_id))
        .filter(invitations::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(res.rows_affected)
}

/// Unused, unexpired links for `purpose`, newest first.
///
/// # Errors
/// The database failed.
pub async fn pending(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Vec<invitations::Model>, DbErr> {
    invitations::Entity::find()
        .filter(invitations::Column::Purpose.eq(purpose.as_str()))
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(now))
        .order_by_desc(invitations::Column::CreatedAt)
        .all(db)
        .await
}

/// Remove links that expired more than a day ago without being used; used ones stay as a
/// record. Returns how many went.
///
/// # Errors
/// The database failed.
pub async fn delete_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let res = invitations::Entity::delete_many()
        .filter(invitations::Column::UsedAt.is_null())
        .filter(invitations::Column::ExpiresAt.lt(Utc::now() - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
