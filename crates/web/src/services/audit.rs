//! The audit log: who did what, when. Written in the same transaction as the change.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::Sql;

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
    let mut sql = Sql::new(db.get_database_backend());
    let insert = write(&mut sql, actor_id, action, subject_type, subject_id, detail);
    db.execute_raw(sql.statement(insert)).await.map(|_| ())
}

/// The statement that records an event, its values bound in `sql`: for a caller that sends
/// it with other statements in one round trip.
pub fn write(
    sql: &mut Sql,
    actor_id: Option<i32>,
    action: &str,
    subject_type: &str,
    subject_id: Option<i32>,
    detail: serde_json::Value,
) -> String {
    format!(
        "INSERT INTO audit_events (actor_id, action, subject_type, subject_id, detail, created_at) \
         VALUES ({}, {}, {}, {}, {}, {})",
        sql.bind(actor_id),
        sql.bind(action.to_owned()),
        sql.bind(subject_type.to_owned()),
        sql.bind(subject_id),
        sql.bind(detail),
        sql.bind(Utc::now()),
    )
}
