//! The audit log: who did what, when. Written in the same transaction as the change.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::entities::audit_events;

/// Record an event. `detail` must not hold secrets or candidate text.
///
/// # Errors
/// The database failed.
pub async fn record(
    db: &impl ConnectionTrait,
    actor_id: Option<i32>,
    action: &str,
    subject_type: &str,
    subject_id: Option<i32>,
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    audit_events::ActiveModel {
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        detail: Set(detail),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}
