//! Scorecards: one interviewer's ratings of one interview, against the bank version the
//! interview was scheduled on. A draft is saved as often as the interviewer likes, each
//! save naming the version it edits, so a save from a stale page is refused rather than
//! overwriting. Submitting checks the scorecard and locks it; a later change is an
//! amendment with a reason, and every submitted state is kept in `scorecard_revisions`.
//! Blind review: before submitting their own, an interviewer sees no one else's.

use std::collections::BTreeMap;

use attache_core::{Question, Recommendation};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::db::{Sql, begin_write};
use crate::entities::{
    applications, interviews, kit_questions, panel_members, question_bank_versions, question_notes,
    ratings, requisitions, scorecard_revisions, scorecards, users,
};
use crate::error::AppError;
use crate::fields::{self, FieldErrors};
use crate::services::{audit, policy};

/// One criterion's rating as sent: 1 to 4, or `None` for not assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    pub question: String,
    pub criterion: String,
    pub score: Option<u8>,
    #[serde(default)]
    pub note: String,
}

/// What an interviewer sends: a draft to save, or the scorecard to submit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScorecardInput {
    #[serde(default)]
    pub ratings: Vec<RatingInput>,
    /// Question id to the note on the question as a whole.
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
    /// strong_no, no, yes or strong_yes.
    #[serde(default)]
    pub recommendation: Option<String>,
    #[serde(default)]
    pub summary: String,
    /// The version of the draft this edits, as last read; a save from an older page is
    /// refused (409). Leave out to overwrite.
    #[serde(default)]
    pub lock_version: Option<i32>,
}

/// A scorecard as pages and the API show it (and as its revisions keep it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scorecard {
    pub id: i32,
    pub interview_id: i32,
    pub interviewer: String,
    pub interviewer_email: String,
    /// "draft" or "submitted".
    pub status: String,
    pub recommendation: Option<String>,
    pub summary: String,
    pub ratings: Vec<RatingInput>,
    pub notes: BTreeMap<String, String>,
    pub lock_version: i32,
    /// The question bank version it was scored against.
    pub bank_version: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<chrono::DateTime<Utc>>,
    /// How many times it was amended after submitting.
    pub amendments: i32,
}

/// On SQLite, scorecard writes take turns in process before asking for the database's
/// write lock: a writer that finds the lock taken would otherwise wait in SQLite's busy
/// handler, which sleeps in growing steps. PostgreSQL locks rows, so it needs no turn.
async fn write_gate(db: &DatabaseConnection) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        Some(GATE.lock().await)
    } else {
        None
    }
}

fn not_found() -> AppError {
    AppError::NotFound("No interview has this number.".to_owned())
}

/// The interview, if `user` sits on its panel; not found otherwise.
async fn panel_interview(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    interview_id: i32,
) -> Result<interviews::Model, AppError> {
    let interview = interviews::Entity::find_by_id(interview_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let on_panel = panel_members::Entity::find()
        .filter(panel_members::Column::InterviewId.eq(interview_id))
        .filter(panel_members::Column::UserId.eq(user.id))
        .count(db)
        .await?
        > 0;
    if on_panel {
        Ok(interview)
    } else {
        Err(not_found())
    }
}

/// What a submission checks before writing, in one query: the interview (if the caller
/// sits on its panel), its bank version's hash, and whether the caller has a scorecard.
struct Standing {
    interview: interviews::Model,
    version: String,
    has_card: bool,
}

async fn standing(
    db: &DatabaseConnection,
    user: &CurrentUser,
    interview_id: i32,
) -> Result<Standing, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    let (me, me_again, id) = (sql.bind(user.id), sql.bind(user.id), sql.bind(interview_id));
    let row = db
        .query_one_raw(sql.statement(format!(
            "SELECT i.*, v.version AS bank_version, s.id AS card_id FROM interviews i \
             JOIN panel_members p ON p.interview_id = i.id AND p.user_id = {me} \
             JOIN question_bank_versions v ON v.id = i.bank_version_id \
             LEFT JOIN scorecards s ON s.interview_id = i.id AND s.interviewer_id = {me_again} \
             WHERE i.id = {id}"
        )))
        .await?
        .ok_or_else(not_found)?;
    Ok(Standing {
        interview: interviews::Model::from_query_result(&row, "")?,
        version: row.try_get("", "bank_version")?,
        has_card: row.try_get::<Option<i32>>("", "card_id")?.is_some(),
    })
}

/// The kit's questions, from the bank version the interview was scheduled on.
async fn kit_of(
    db: &impl ConnectionTrait,
    interview: &interviews::Model,
) -> Result<(String, Vec<Question>), AppError> {
    kit_at(db, interview, None).await
}

/// [`kit_of`], with the bank's version hash if the caller has read it.
async fn kit_at(
    db: &impl ConnectionTrait,
    interview: &interviews::Model,
    version: Option<String>,
) -> Result<(String, Vec<Question>), AppError> {
    let (version, bank) = bank_at(db, interview.bank_version_id, version).await?;
    let ids: Vec<String> = kit_questions::Entity::find()
        .filter(kit_questions::Column::InterviewId.eq(interview.id))
        .order_by_asc(kit_questions::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|k| k.question_id)
        .collect();
    let kit = ids
        .iter()
        .filter_map(|id| bank.iter().find(|q| q.id == *id).cloned())
        .collect();
    Ok((version, kit))
}

/// A question bank version, parsed, with its version hash.
///
/// # Errors
/// Not found, or the database failed.
pub async fn bank(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(String, std::sync::Arc<Vec<Question>>), AppError> {
    bank_at(db, id, None).await
}

/// A question bank version, parsed. A version's content never changes once written (its
/// name is the content's hash), so each is parsed once per process and kept, keyed by id
/// and hash: only the short hash is read each time, and not even that when the caller
/// read it already.
async fn bank_at(
    db: &impl ConnectionTrait,
    id: i32,
    version: Option<String>,
) -> Result<(String, std::sync::Arc<Vec<Question>>), AppError> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Banks = Mutex<HashMap<(i32, String), Arc<Vec<Question>>>>;
    static BANKS: OnceLock<Banks> = OnceLock::new();
    let banks = BANKS.get_or_init(Default::default);
    let version: String = match version {
        Some(v) => v,
        None => question_bank_versions::Entity::find_by_id(id)
            .select_only()
            .column(question_bank_versions::Column::Version)
            .into_tuple()
            .one(db)
            .await?
            .ok_or_else(not_found)?,
    };
    let key = (id, version.clone());
    if let Some(found) = banks.lock().ok().and_then(|b| b.get(&key).cloned()) {
        return Ok((version, found));
    }
    let row = question_bank_versions::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let questions: Arc<Vec<Question>> = Arc::new(
        serde_json::from_value(row.questions)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored bank does not parse: {e}")))?,
    );
    if let Ok(mut b) = banks.lock() {
        b.insert(key, Arc::clone(&questions));
    }
    Ok((version, questions))
}

/// Check an input against the kit: known questions and criteria, scores 1-4 or not
/// assessed, lengths; with `complete`, a recommendation too.
fn check(
    kit: &[Question],
    input: &ScorecardInput,
    complete: bool,
) -> Result<Option<Recommendation>, AppError> {
    let mut errors = FieldErrors::new();
    for r in &input.ratings {
        match kit.iter().find(|q| q.id == r.question) {
            None => errors.insert(
                "ratings",
                format!("{} is not a question of this interview's kit.", r.question),
            ),
            Some(q) if q.criterion(&r.criterion).is_none() => errors.insert(
                "ratings",
                format!(
                    "{} is not a criterion of question {}.",
                    r.criterion, r.question
                ),
            ),
            Some(_) => {}
        }
        if r.score.is_some_and(|s| !(1..=4).contains(&s)) {
            errors.insert(
                "ratings",
                "A rating is 1, 2, 3 or 4, or left out for not assessed.",
            );
        }
        if let Err(e) = fields::optional(fields::NOTES, &r.note) {
            errors.add(e);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &input.ratings {
        if !seen.insert((&r.question, &r.criterion)) {
            errors.insert(
                "ratings",
                format!("{} / {} is rated twice.", r.question, r.criterion),
            );
        }
    }
    for (question, note) in &input.notes {
        if !kit.iter().any(|q| q.id == *question) {
            errors.insert(
                "notes",
                format!("{question} is not a question of this interview's kit."),
            );
        }
        if let Err(e) = fields::optional(fields::NOTES, note) {
            errors.add(e);
        }
    }
    if let Err(e) = fields::optional(fields::SUMMARY, &input.summary) {
        errors.add(e);
    }
    let recommendation = match input.recommendation.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => match r.parse::<Recommendation>() {
            Ok(r) => Some(r),
            Err(_) => {
                errors.insert("recommendation", "Choose strong no, no, yes or strong yes.");
                None
            }
        },
    };
    if complete && recommendation.is_none() && !errors.0.contains_key("recommendation") {
        errors.insert(
            "recommendation",
            "Choose an overall recommendation before submitting.",
        );
    }
    if errors.is_empty() {
        Ok(recommendation)
    } else {
        Err(errors.into())
    }
}

/// Replace the scorecard's ratings and notes with the input's.
async fn write_content(
    txn: &DatabaseTransaction,
    scorecard_id: i32,
    input: &ScorecardInput,
) -> Result<(), AppError> {
    ratings::Entity::delete_many()
        .filter(ratings::Column::ScorecardId.eq(scorecard_id))
        .exec(txn)
        .await?;
    question_notes::Entity::delete_many()
        .filter(question_notes::Column::ScorecardId.eq(scorecard_id))
        .exec(txn)
        .await?;
    insert_content(txn, scorecard_id, input).await
}

/// Replace a scorecard's content with the input's and move its version on.
async fn rewrite(
    txn: &DatabaseTransaction,
    card: scorecards::Model,
    input: &ScorecardInput,
    recommendation: Option<Recommendation>,
) -> Result<scorecards::Model, AppError> {
    write_content(txn, card.id, input).await?;
    let next = card.lock_version + 1;
    let mut active: scorecards::ActiveModel = card.into();
    active.recommendation = Set(recommendation.map(|r| r.as_str().to_owned()));
    active.summary = Set(input.summary.trim().to_owned());
    active.lock_version = Set(next);
    active.updated_at = Set(Utc::now());
    Ok(active.update(txn).await?)
}

/// Insert the input's ratings and notes for a scorecard that has none.
async fn insert_content(
    txn: &DatabaseTransaction,
    scorecard_id: i32,
    input: &ScorecardInput,
) -> Result<(), AppError> {
    let mut sql = Sql::new(txn.get_database_backend());
    let writes = content_writes(&mut sql, scorecard_id, input);
    if !writes.is_empty() {
        in_one_round_trip(txn, sql, writes, None).await?;
    }
    Ok(())
}

/// The statements that insert a scorecard's ratings and notes, trimmed (notes left empty
/// are not kept); none for what it has none of.
fn content_writes(sql: &mut Sql, scorecard_id: i32, input: &ScorecardInput) -> Vec<String> {
    let mut writes = Vec::new();
    if !input.ratings.is_empty() {
        let rows: Vec<String> = input
            .ratings
            .iter()
            .map(|r| {
                format!(
                    "({}, {}, {}, {}, {})",
                    sql.bind(scorecard_id),
                    sql.bind(r.question.clone()),
                    sql.bind(r.criterion.clone()),
                    sql.bind(r.score.map(i16::from)),
                    sql.bind(r.note.trim().to_owned()),
                )
            })
            .collect();
        writes.push(format!(
            "INSERT INTO ratings (scorecard_id, question_id, criterion_id, score, note) VALUES {}",
            rows.join(", ")
        ));
    }
    let notes: Vec<String> = input
        .notes
        .iter()
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(q, n)| {
            format!(
                "({}, {}, {})",
                sql.bind(scorecard_id),
                sql.bind(q.clone()),
                sql.bind(n.trim().to_owned())
            )
        })
        .collect();
    if !notes.is_empty() {
        writes.push(format!(
            "INSERT INTO question_notes (scorecard_id, question_id, note) VALUES {}",
            notes.join(", ")
        ));
    }
    writes
}

/// Run `writes`, then `select` if given (its rows are the answer), in one round trip while
/// the write lock is held: on PostgreSQL one statement (data-modifying CTEs, whose final
/// query sees what earlier statements of the transaction wrote), on SQLite the statements
/// in one string, which sqlx runs in one visit to the connection's thread. Each round trip
/// made with the lock held (on SQLite two thread switches) lengthens the time the lock is
/// held, and that time is what bounds writes per second.
async fn in_one_round_trip(
    txn: &DatabaseTransaction,
    sql: Sql,
    mut writes: Vec<String>,
    select: Option<String>,
) -> Result<Vec<sea_orm::QueryResult>, AppError> {
    let statement = if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let steps: Vec<String> = writes
            .iter()
            .enumerate()
            .map(|(i, w)| format!("w{i} AS ({w})"))
            .collect();
        let select = select.unwrap_or_else(|| "SELECT 1".to_owned());
        format!("WITH {} {select}", steps.join(", "))
    } else {
        writes.extend(select);
        writes.join(";\n")
    };
    Ok(txn.query_all_raw(sql.statement(statement)).await?)
}

/// The caller's scorecard for an interview, created as an empty draft if there is none.
async fn own(
    txn: &DatabaseTransaction,
    interview: &interviews::Model,
    user: &CurrentUser,
) -> Result<scorecards::Model, AppError> {
    let existing = scorecards::Entity::find()
        .filter(scorecards::Column::InterviewId.eq(interview.id))
        .filter(scorecards::Column::InterviewerId.eq(user.id))
        .one(txn)
        .await?;
    if let Some(s) = existing {
        return Ok(s);
    }
    let now = Utc::now();
    Ok(scorecards::ActiveModel {
        interview_id: Set(interview.id),
        interviewer_id: Set(user.id),
        bank_version_id: Set(interview.bank_version_id),
        status: Set("draft".to_owned()),
        recommendation: Set(None),
        summary: Set(String::new()),
        lock_version: Set(0),
        submitted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Save the caller's draft.
///
/// # Errors
/// Not found (not on the panel), a message per bad field, 409 when the scorecard was
/// submitted or saved from another page since `lock_version`; nothing is written then.
pub async fn save_draft(
    db: &DatabaseConnection,
    user: &CurrentUser,
    interview_id: i32,
    input: &ScorecardInput,
) -> Result<Scorecard, AppError> {
    let _gate = write_gate(db).await;
    let txn = begin_write(db).await?;
    let interview = panel_interview(&txn, user, interview_id).await?;
    let (_, kit) = kit_of(&txn, &interview).await?;
    let recommendation = check(&kit, input, false)?;
    let card = own(&txn, &interview, user).await?;
    if card.status == "submitted" {
        return Err(AppError::conflict(
            "scorecard_submitted",
            "This scorecard is submitted; change it with an amendment and a reason.",
        ));
    }
    if input.lock_version.is_some_and(|v| v != card.lock_version) {
        return Err(AppError::conflict(
            "stale_draft",
            "This draft was saved from another page since you opened it. Reload to see the newer draft.",
        ));
    }
    let card = rewrite(&txn, card, input, recommendation).await?;
    txn.commit().await?;
    describe(db, card).await
}

/// Submit the caller's scorecard: checked against the kit, then locked. Submitting the
/// same content again returns the submitted scorecard; different content is refused.
///
/// # Errors
/// Not found, a message per bad field (a recommendation is required), 409 when it was
/// submitted with other content; nothing is written then.
pub async fn submit(
    db: &DatabaseConnection,
    mail: &crate::mail::Mail,
    user: &CurrentUser,
    interview_id: i32,
    input: &ScorecardInput,
) -> Result<Scorecard, AppError> {
    // Who may, against which kit, and whether the input checks: read before the write
    // transaction, so writers hold the database's write lock only to write.
    let standing = standing(db, user, interview_id).await?;
    let (version, kit) = kit_at(db, &standing.interview, Some(standing.version.clone())).await?;
    let recommendation = check(&kit, input, true)?;
    let args = (
        user,
        &standing.interview,
        version.as_str(),
        input,
        recommendation,
    );
    match write_submission(db, mail, args, !standing.has_card).await {
        // Another tab's scorecard appeared since the read: do it again, reading it first.
        Err(AppError::Database(e))
            if !standing.has_card
                && matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
        {
            write_submission(db, mail, args, false).await
        }
        other => other,
    }
}

/// What [`write_submission`] writes: who, on which interview and bank version, what.
type Submission<'a> = (
    &'a CurrentUser,
    &'a interviews::Model,
    &'a str,
    &'a ScorecardInput,
    Option<Recommendation>,
);

/// Write a checked submission. With `new`, the caller has seen no scorecard of theirs,
/// so none is looked for: the unique key refuses the insert if one appeared since.
async fn write_submission(
    db: &DatabaseConnection,
    mail: &crate::mail::Mail,
    (user, interview, version, input, recommendation): Submission<'_>,
    new: bool,
) -> Result<Scorecard, AppError> {
    let interview_id = interview.id;
    let _gate = write_gate(db).await;
    let txn = begin_write(db).await?;
    take_turns_on(&txn, interview_id).await?;
    let existing = if new {
        None
    } else {
        scorecards::Entity::find()
            .filter(scorecards::Column::InterviewId.eq(interview.id))
            .filter(scorecards::Column::InterviewerId.eq(user.id))
            .one(&txn)
            .await?
    };
    let now = Utc::now();
    let recommendation = recommendation.map(|r| r.as_str().to_owned());
    let summary = input.summary.trim().to_owned();
    let card = match existing {
        Some(card) if card.status == "submitted" => {
            let current = describe(&txn, card).await?;
            if same_content(&current, input) {
                return Ok(current);
            }
            return Err(AppError::conflict(
                "scorecard_submitted",
                "This scorecard is already submitted; change it with an amendment and a reason.",
            ));
        }
        Some(card) => {
            let next = card.lock_version + 1;
            let mut active: scorecards::ActiveModel = card.into();
            active.status = Set("submitted".to_owned());
            active.recommendation = Set(recommendation.clone());
            active.summary = Set(summary.clone());
            active.lock_version = Set(next);
            active.submitted_at = Set(Some(now));
            active.updated_at = Set(now);
            let card = active.update(&txn).await?;
            ratings::Entity::delete_many()
                .filter(ratings::Column::ScorecardId.eq(card.id))
                .exec(&txn)
                .await?;
            question_notes::Entity::delete_many()
                .filter(question_notes::Column::ScorecardId.eq(card.id))
                .exec(&txn)
                .await?;
            card
        }
        // Submitted without a draft first: one insert.
        None => {
            scorecards::ActiveModel {
                interview_id: Set(interview.id),
                interviewer_id: Set(user.id),
                bank_version_id: Set(interview.bank_version_id),
                status: Set("submitted".to_owned()),
                recommendation: Set(recommendation.clone()),
                summary: Set(summary.clone()),
                lock_version: Set(1),
                submitted_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let shown = Scorecard {
        id: card.id,
        interview_id: card.interview_id,
        interviewer: user.name.clone(),
        interviewer_email: user.email.clone(),
        status: card.status.clone(),
        recommendation,
        summary,
        ratings: input
            .ratings
            .iter()
            .map(|r| RatingInput {
                note: r.note.trim().to_owned(),
                ..r.clone()
            })
            .collect(),
        notes: input
            .notes
            .iter()
            .filter(|(_, n)| !n.trim().is_empty())
            .map(|(q, n)| (q.clone(), n.trim().to_owned()))
            .collect(),
        lock_version: card.lock_version,
        bank_version: version.to_owned(),
        submitted_at: card.submitted_at,
        amendments: 0,
    };
    let waiting = write_rest_of_submission(&txn, &shown, input, user.id).await?;
    let all_in = waiting == 0 && tell_manager(&txn, mail, interview).await?;
    txn.commit().await?;
    if all_in {
        mail.wake();
    }
    Ok(shown)
}

/// On PostgreSQL, lock the interview's row for the rest of the transaction, so two panel
/// members submitting at once take turns: each then counts the other's scorecard when it
/// looks for who is still to submit, and the last one tells the hiring manager. (SQLite's
/// `BEGIN IMMEDIATE` already lets one writer in at a time.)
async fn take_turns_on(txn: &DatabaseTransaction, interview_id: i32) -> Result<(), AppError> {
    if txn.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    let mut sql = Sql::new(txn.get_database_backend());
    let id = sql.bind(interview_id);
    txn.query_one_raw(sql.statement(format!(
        "SELECT id FROM interviews WHERE id = {id} FOR UPDATE"
    )))
    .await?;
    Ok(())
}

/// Everything a submission writes after its scorecard row, in one round trip: the ratings
/// and notes, the first revision, the end of the interviewer's reminders and the audit
/// entry; it answers how many panel members are still to submit.
async fn write_rest_of_submission(
    txn: &DatabaseTransaction,
    card: &Scorecard,
    input: &ScorecardInput,
    actor: i32,
) -> Result<i64, AppError> {
    let mut sql = Sql::new(txn.get_database_backend());
    let mut writes = content_writes(&mut sql, card.id, input);
    writes.push(revision_write(&mut sql, card, 1, actor, "")?);
    // No more reminders for this interviewer.
    writes.push(format!(
        "UPDATE panel_members SET next_reminder_at = NULL WHERE interview_id = {} AND user_id = {}",
        sql.bind(card.interview_id),
        sql.bind(actor),
    ));
    writes.push(audit::write(
        &mut sql,
        Some(actor),
        "scorecard.submit",
        "scorecard",
        Some(card.id),
        json!({"interview_id": card.interview_id}),
    ));
    // Panel members without a submitted scorecard: none left means all are in.
    let waiting = format!(
        "SELECT COUNT(*) AS n FROM panel_members p LEFT JOIN scorecards s \
         ON s.interview_id = p.interview_id AND s.interviewer_id = p.user_id AND s.status = 'submitted' \
         WHERE p.interview_id = {} AND s.id IS NULL",
        sql.bind(card.interview_id)
    );
    let rows = in_one_round_trip(txn, sql, writes, Some(waiting)).await?;
    let last = rows
        .last()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the panel count returned no row")))?;
    Ok(last.try_get("", "n")?)
}

/// Email the requisition's hiring manager that every scorecard of the interview is in, in
/// the transaction of the last submission (so it is sent once); whether it did.
async fn tell_manager(
    txn: &DatabaseTransaction,
    mail: &crate::mail::Mail,
    interview: &interviews::Model,
) -> Result<bool, AppError> {
    let Some((application, Some(requisition))) =
        applications::Entity::find_by_id(interview.application_id)
            .find_also_related(requisitions::Entity)
            .one(txn)
            .await?
    else {
        return Ok(false);
    };
    let candidate = crate::entities::candidates::Entity::find_by_id(application.candidate_id)
        .one(txn)
        .await?;
    let Some(manager) = users::Entity::find_by_id(requisition.hiring_manager_id)
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    crate::mail::Email::render(
        &manager.email,
        "scorecards_in",
        minijinja::context! {
            name => manager.name,
            candidate => candidate.map(|c| c.name).unwrap_or_default(),
            requisition => requisition.title,
            when => crate::services::interviews::local_words(interview.scheduled_at, &interview.time_zone),
            link => mail.link(&format!("/interviews/{}", interview.id)),
        },
    )
    .map_err(|e| AppError::Internal(e.into()))?
    .enqueue(txn)
    .await?;
    Ok(true)
}

/// Change a submitted scorecard, with a reason; the earlier state stays in its revisions.
///
/// # Errors
/// Not found, not yet submitted (409), no reason, or a message per bad field.
pub async fn amend(
    db: &DatabaseConnection,
    user: &CurrentUser,
    interview_id: i32,
    input: &ScorecardInput,
    reason: &str,
) -> Result<Scorecard, AppError> {
    let reason = fields::required(fields::REASON, reason).map_err(|mut e| {
        e.message = "Say why the scorecard changes; the reason is kept.".to_owned();
        AppError::Validation(e.into())
    })?;
    let _gate = write_gate(db).await;
    let txn = begin_write(db).await?;
    let interview = panel_interview(&txn, user, interview_id).await?;
    let (_, kit) = kit_of(&txn, &interview).await?;
    let recommendation = check(&kit, input, true)?;
    let card = own(&txn, &interview, user).await?;
    if card.status != "submitted" {
        return Err(AppError::conflict(
            "scorecard_not_submitted",
            "This scorecard is a draft: save or submit it instead.",
        ));
    }
    let card = rewrite(&txn, card, input, recommendation).await?;
    let shown = describe(&txn, card.clone()).await?;
    let revision = record_revision(&txn, &shown, user.id, &reason).await?;
    audit::record(
        &txn,
        Some(user.id),
        "scorecard.amend",
        "scorecard",
        Some(card.id),
        json!({"interview_id": interview_id, "revision": revision, "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    describe(db, card).await
}

fn same_content(current: &Scorecard, input: &ScorecardInput) -> bool {
    let mut a = current.ratings.clone();
    let mut b: Vec<RatingInput> = input
        .ratings
        .iter()
        .map(|r| RatingInput {
            note: r.note.trim().to_owned(),
            ..r.clone()
        })
        .collect();
    a.sort_by(|x, y| (&x.question, &x.criterion).cmp(&(&y.question, &y.criterion)));
    b.sort_by(|x, y| (&x.question, &x.criterion).cmp(&(&y.question, &y.criterion)));
    let notes: BTreeMap<String, String> = input
        .notes
        .iter()
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(q, n)| (q.clone(), n.trim().to_owned()))
        .collect();
    a == b
        && notes == current.notes
        && current.summary == input.summary.trim()
        && current.recommendation.as_deref() == input.recommendation.as_deref().map(str::trim)
}

/// Keep the scorecard as it now is as its next revision; the revision's number.
async fn record_revision(
    txn: &DatabaseTransaction,
    card: &Scorecard,
    actor: i32,
    reason: &str,
) -> Result<i32, AppError> {
    let n = i32::try_from(
        scorecard_revisions::Entity::find()
            .filter(scorecard_revisions::Column::ScorecardId.eq(card.id))
            .count(txn)
            .await?,
    )
    .unwrap_or(i32::MAX - 1)
        + 1;
    insert_revision(txn, card, n, actor, reason).await?;
    Ok(n)
}

/// Keep the scorecard as revision `n`.
async fn insert_revision(
    txn: &DatabaseTransaction,
    card: &Scorecard,
    n: i32,
    actor: i32,
    reason: &str,
) -> Result<(), AppError> {
    let mut sql = Sql::new(txn.get_database_backend());
    let insert = revision_write(&mut sql, card, n, actor, reason)?;
    txn.execute_raw(sql.statement(insert)).await?;
    Ok(())
}

/// The statement that keeps the scorecard as revision `n`, its values bound in `sql`.
fn revision_write(
    sql: &mut Sql,
    card: &Scorecard,
    n: i32,
    actor: i32,
    reason: &str,
) -> Result<String, AppError> {
    let snapshot = serde_json::to_value(card)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("snapshot: {e}")))?;
    Ok(format!(
        "INSERT INTO scorecard_revisions (scorecard_id, revision, snapshot, actor_id, reason, created_at) \
         VALUES ({}, {}, {}, {}, {}, {})",
        sql.bind(card.id),
        sql.bind(n),
        sql.bind(snapshot),
        sql.bind(actor),
        sql.bind(reason.to_owned()),
        sql.bind(Utc::now()),
    ))
}

/// A scorecard with its ratings, notes, interviewer and bank version.
async fn describe(
    db: &impl ConnectionTrait,
    card: scorecards::Model,
) -> Result<Scorecard, AppError> {
    let rows = ratings::Entity::find()
        .filter(ratings::Column::ScorecardId.eq(card.id))
        .order_by_asc(ratings::Column::Id)
        .all(db)
        .await?;
    let notes = question_notes::Entity::find()
        .filter(question_notes::Column::ScorecardId.eq(card.id))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.question_id, n.note))
        .collect();
    let who = users::Entity::find_by_id(card.interviewer_id)
        .one(db)
        .await?;
    let version = question_bank_versions::Entity::find_by_id(card.bank_version_id)
        .one(db)
        .await?
        .map(|v| v.version)
        .unwrap_or_default();
    let revisions = scorecard_revisions::Entity::find()
        .filter(scorecard_revisions::Column::ScorecardId.eq(card.id))
        .count(db)
        .await?;
    Ok(Scorecard {
        id: card.id,
        interview_id: card.interview_id,
        interviewer: who.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        interviewer_email: who.map(|u| u.email).unwrap_or_default(),
        status: card.status,
        recommendation: card.recommendation,
        summary: card.summary,
        ratings: rows
            .into_iter()
            .map(|r| RatingInput {
                question: r.question_id,
                criterion: r.criterion_id,
                score: r.score.and_then(|s| u8::try_from(s).ok()),
                note: r.note,
            })
            .collect(),
        notes,
        lock_version: card.lock_version,
        bank_version: version,
        submitted_at: card.submitted_at,
        amendments: i32::try_from(revisions.saturating_sub(1)).unwrap_or(0),
    })
}

/// The questions of an interview's kit, in kit order, from the bank version the
/// interview was scheduled on, with that version: for anyone who may see the interview
/// (the panel, the recruiting team, the requisition's hiring manager).
///
/// # Errors
/// Not found (may not see the interview), or the database failed.
pub async fn kit(
    db: &DatabaseConnection,
    user: &CurrentUser,
    interview_id: i32,
) -> Result<(String, Vec<Question>), AppError> {
    let interview = crate::services::interviews::find_visible(db, user, interview_id).await?;
    kit_of(db, &interview).await
}

/// The caller's own scorecard, if they have started one.
///
/// # Errors
/// Not found (not on the panel), or the database failed.
pub async fn mine(
    db: &DatabaseConnection,
    user: &CurrentUser,
    interview_id: i32,
) -> Result<Option<Scorecard>, AppError> {
    panel_interview(db, user, interview_id).await?;
    let card = scorecards::Entity::find()
        .filter(scorecards::Column::InterviewId.eq(interview_id))
        .filter(scorecards::Column::InterviewerId.eq(user.id))
        .one(db)
        .await?;
    match card {
        Some(c) => Ok(Some(describe(db, c).await?)),
        None => Ok(None),
    }
}

/// The scorecards of an interview the caller may see. Admins, recruiters and the
/// requisition's hiring manager see every submitted scorecard; an interviewer on the
/// panel sees their own, and the others' only once their own is submitted (blind
/// review). Drafts are seen only by their author.
///
/// # Errors
/// Not found (neither on the panel nor allowed to see the requisition).
pub async fn visible(
    db: &DatabaseConnection,
    user: &CurrentUser,
    interview_id: i32,
) -> Result<Vec<Scorecard>, AppError> {
    let interview = interviews::Entity::find_by_id(interview_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let requisition = applications::Entity::find_by_id(interview.application_id)
        .find_also_related(requisitions::Entity)
        .one(db)
        .await?
        .and_then(|(_, r)| r)
        .ok_or_else(not_found)?;
    let on_panel = panel_members::Entity::find()
        .filter(panel_members::Column::InterviewId.eq(interview_id))
        .filter(panel_members::Column::UserId.eq(user.id))
        .count(db)
        .await?
        > 0;
    let oversees = match user.role {
        UserRole::Admin | UserRole::Recruiter => true,
        UserRole::HiringManager => policy::may_see_requisition(user, &requisition),
        UserRole::Interviewer => false,
    };
    if !on_panel && !oversees {
        return Err(not_found());
    }
    let cards = scorecards::Entity::find()
        .filter(scorecards::Column::InterviewId.eq(interview_id))
        .order_by_asc(scorecards::Column::Id)
        .all(db)
        .await?;
    let own_submitted = cards
        .iter()
        .any(|c| c.interviewer_id == user.id && c.status == "submitted");
    // On the panel and not yet submitted: blind, whatever else the caller may be.
    let sees_others = if on_panel { own_submitted } else { oversees };
    let mut out = Vec::new();
    for c in cards {
        let mine = c.interviewer_id == user.id;
        if mine || (sees_others && c.status == "submitted") {
            out.push(describe(db, c).await?);
        }
    }
    Ok(out)
}

/// A scorecard's submitted states, oldest first: each revision's reason (empty for the
/// first submission) and the scorecard as it then was. The caller has checked that the
/// user may see the scorecard.
///
/// # Errors
/// The database failed, or a stored snapshot does not parse.
pub async fn history(
    db: &impl ConnectionTrait,
    scorecard_id: i32,
) -> Result<Vec<(String, Scorecard)>, AppError> {
    scorecard_revisions::Entity::find()
        .filter(scorecard_revisions::Column::ScorecardId.eq(scorecard_id))
        .order_by_asc(scorecard_revisions::Column::Revision)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            let card = serde_json::from_value::<Scorecard>(r.snapshot)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("revision snapshot: {e}")))?;
            Ok((r.reason, card))
        })
        .collect()
}

/// The status of the user's scorecard on each of these interviews: "draft" or
/// "submitted"; an interview missing from the map has none started.
///
/// # Errors
/// The database failed.
pub async fn statuses(
    db: &impl ConnectionTrait,
    user_id: i32,
    interview_ids: &[i32],
) -> Result<BTreeMap<i32, String>, AppError> {
    Ok(scorecards::Entity::find()
        .filter(scorecards::Column::InterviewerId.eq(user_id))
        .filter(scorecards::Column::InterviewId.is_in(interview_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.interview_id, c.status))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kit() -> Vec<Question> {
        let roles = attache_core::seed::embedded().unwrap();
        roles[0].questions.iter().take(2).cloned().collect()
    }

    #[test]
    fn only_the_kits_questions_criteria_and_scores_pass() {
        let kit = kit();
        let q = &kit[0];
        let good = ScorecardInput {
            ratings: vec![RatingInput {
                question: q.id.clone(),
                criterion: q.criteria[0].id.clone(),
                score: Some(3),
                note: String::new(),
            }],
            recommendation: Some("yes".into()),
            ..Default::default()
        };
        assert!(check(&kit, &good, true).is_ok());
        let mut bad = good.clone();
        bad.ratings[0].score = Some(5);
        bad.ratings.push(RatingInput {
            question: "nope".into(),
            criterion: "x".into(),
            score: None,
            note: String::new(),
        });
        bad.recommendation = Some("maybe".into());
        let Err(AppError::Validation(e)) = check(&kit, &bad, true) else {
            panic!("accepted");
        };
        assert!(
            e.get("ratings").is_some() && e.get("recommendation").is_some(),
            "{e:?}"
        );
        let mut draft = good.clone();
        draft.recommendation = None;
        assert!(
            check(&kit, &draft, false).is_ok(),
            "a draft needs no recommendation"
        );
        assert!(check(&kit, &draft, true).is_err(), "a submission does");
    }
}
