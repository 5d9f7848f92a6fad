//! API tokens: issued once, stored as hashes, checked on every API request.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::auth::tokens::{hash_token, new_api_token};
use crate::db::begin_write;
use crate::entities::{api_tokens, users};
use crate::services::audit;

/// How stale `last_used_at` may be before a use updates it.
pub const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

/// Issue a token for a user. The token is returned once and never stored.
///
/// # Errors
/// The database failed.
pub async fn issue(
    db: &DatabaseConnection,
    user_id: i32,
    name: &str,
    actor_id: Option<i32>,
) -> Result<String, DbErr> {
    let token = new_api_token();
    let txn = begin_write(db).await?;
    let row = api_tokens::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash_token(&token)),
        name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor_id,
        "token.issue",
        "api_token",
        Some(row.id),
        json!({"user_id": user_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// The active user a token belongs to, if the token is known, not revoked, and its user
/// is active.
///
/// # Errors
/// The database failed.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<users::Model>, DbErr> {
    let Some((row, Some(user))) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash_token(token)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .find_also_related(users::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    // Record use at most once a minute: a write on every API call would put a writer on
    // the API's read path (and, on SQLite, serialise readers behind it).
    let now = Utc::now();
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::seconds(LAST_USED_RESOLUTION_SECONDS))
    {
        let mut active: api_tokens::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(user))
}
