//! API tokens: issued once, stored as hashes, checked on every API request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

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

/// How long a checked token is believed without asking the database again. A change to a
/// user's role, name or activity made on this instance forgets every cached token at once;
/// another instance sharing the database sees it within this bound.
pub const CACHE_SECONDS: u64 = 2;

/// Recently checked tokens: hash to the user, when checked, and the generation then.
type Cache = Mutex<HashMap<String, (users::Model, Instant, u64)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Bumped by every change that must end cached callers.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Forget every cached token: the next request with each is checked in the database.
pub fn forget_all() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut c) = cache().lock() {
        c.clear();
    }
}

/// The active user a token belongs to, if the token is known, not revoked, and its user
/// is active: from the cache if it was checked in the last [`CACHE_SECONDS`], otherwise
/// from the database.
///
/// # Errors
/// The database failed.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<users::Model>, DbErr> {
    let hash = hash_token(token);
    let generation = GENERATION.load(Ordering::SeqCst);
    if let Ok(c) = cache().lock()
        && let Some((user, at, g)) = c.get(&hash)
        && *g == generation
        && at.elapsed() < Duration::from_secs(CACHE_SECONDS)
    {
        return Ok(Some(user.clone()));
    }
    let found = check(db, &hash).await?;
    if let Some(user) = &found
        && let Ok(mut c) = cache().lock()
    {
        if c.len() > 10_000 {
            c.clear();
        }
        // Only if nothing was forgotten while the database was asked.
        if GENERATION.load(Ordering::SeqCst) == generation {
            c.insert(hash, (user.clone(), Instant::now(), generation));
        }
    }
    Ok(found)
}

/// [`authenticate`] in the database, by the token's hash.
async fn check(db: &DatabaseConnection, hash: &str) -> Result<Option<users::Model>, DbErr> {
    let Some((row, Some(user))) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash))
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
