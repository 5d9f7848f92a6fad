//! Reminders to score: from an hour after the interview ends, then daily, at most five,
//! until the interviewer submits. Each due reminder is written to the outbox in the same
//! transaction that moves its panel member's next reminder on, and rows are taken with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers), so with several
//! instances each reminder is sent once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::begin_write;
use crate::entities::{
    applications, candidates, interviews, panel_members, requisitions, roles, scorecards, users,
};
use crate::error::AppError;
use crate::mail::{Email, Mail};
use crate::services::interviews::local_words;

/// At most this many reminders per interviewer and interview.
pub const MAX_REMINDERS: i32 = 5;
/// Reminders handled per pass.
const BATCH: u64 = 100;

/// Send every reminder due at `now`; how many were written to the outbox.
///
/// # Errors
/// The database failed; what was not committed is tried again on the next pass.
pub async fn send_due(
    db: &DatabaseConnection,
    mail: &Mail,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let txn = begin_write(db).await?;
    let mut due = panel_members::Entity::find()
        .filter(panel_members::Column::NextReminderAt.lte(now))
        .filter(panel_members::Column::RemindersSent.lt(MAX_REMINDERS))
        .order_by_asc(panel_members::Column::NextReminderAt)
        .limit(BATCH);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = due.all(&txn).await?;
    let mut sent = 0;
    for member in rows {
        let interview = interviews::Entity::find_by_id(member.interview_id)
            .one(&txn)
            .await?;
        let submitted = scorecards::Entity::find()
            .filter(scorecards::Column::InterviewId.eq(member.interview_id))
            .filter(scorecards::Column::InterviewerId.eq(member.user_id))
            .filter(scorecards::Column::Status.eq("submitted"))
            .count(&txn)
            .await?
            > 0;
        let person = users::Entity::find_by_id(member.user_id).one(&txn).await?;
        let count = member.reminders_sent + 1;
        let mut active: panel_members::ActiveModel = member.clone().into();
        match (interview, person) {
            (Some(i), Some(person)) if !submitted && i.status == "scheduled" && person.active => {
                reminder(&txn, mail, &i, &person, count)
                    .await?
                    .enqueue(&txn)
                    .await?;
                sent += 1;
                active.reminders_sent = Set(count);
                active.next_reminder_at =
                    Set((count < MAX_REMINDERS).then(|| now + Duration::days(1)));
                active.reminder_claimed_by = Set(Some(instance.to_owned()));
                active.reminder_claimed_until = Set(Some(now));
            }
            // Submitted, cancelled, deactivated or gone: nothing more to send.
            _ => active.next_reminder_at = Set(None),
        }
        active.update(&txn).await?;
    }
    txn.commit().await?;
    if sent > 0 {
        mail.wake();
        tracing::info!(sent, "scorecard reminders queued");
    }
    Ok(sent)
}

async fn reminder(
    txn: &sea_orm::DatabaseTransaction,
    mail: &Mail,
    interview: &interviews::Model,
    person: &users::Model,
    count: i32,
) -> Result<Email, AppError> {
    let application = applications::Entity::find_by_id(interview.application_id)
        .one(txn)
        .await?;
    let candidate = match &application {
        Some(a) => {
            candidates::Entity::find_by_id(a.candidate_id)
                .one(txn)
                .await?
        }
        None => None,
    };
    let role = match &application {
        Some(a) => match requisitions::Entity::find_by_id(a.requisition_id)
            .one(txn)
            .await?
        {
            Some(r) => roles::Entity::find_by_id(r.role_id).one(txn).await?,
            None => None,
        },
        None => None,
    };
    Email::render(
        &person.email,
        "scorecard_reminder",
        minijinja::context! {
            name => person.name,
            candidate => candidate.map(|c| c.name).unwrap_or_default(),
            role => role.map(|r| r.title).unwrap_or_default(),
            when => local_words(interview.scheduled_at, &interview.time_zone),
            link => mail.link(&format!("/interviews/{}/scorecard", interview.id)),
            count,
            last => count >= MAX_REMINDERS,
        },
    )
    .map_err(|e| AppError::Internal(e.into()))
}

/// Send due reminders every minute until `stop` turns true.
pub async fn run(
    db: DatabaseConnection,
    mail: Mail,
    instance: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = every.tick() => {
                if let Err(e) = send_due(&db, &mail, &instance, Utc::now()).await {
                    tracing::warn!(error = %e, "could not send scorecard reminders");
                }
            }
            _ = stop.changed() => break,
        }
    }
}
