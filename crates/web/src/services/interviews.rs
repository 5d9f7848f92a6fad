//! Interviews: when and where, who is on the panel, which questions of the role's bank
//! they ask (some of them one interviewer's focus), and the calendar invitations that go
//! with them. Every panel member gets an email through the outbox with the kit's link and
//! an `.ics` invitation whose UID never changes; a reschedule sends an update with a higher
//! SEQUENCE, a cancellation (or leaving the panel) a CANCEL.

use std::collections::BTreeMap;

use attache_core::{Level, Question, Role, Stage, Taxonomy};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, EventLike, EventStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;

use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::db::begin_write;
use crate::entities::{
    applications, candidates, interviews, kit_questions, panel_members, question_bank_versions,
    requisitions, roles, users,
};
use crate::error::AppError;
use crate::fields::{self, FieldErrors};
use crate::mail::{Email, Mail};
use crate::services::requisitions::Person;
use crate::services::{audit, policy};

/// Shortest and longest interview, in minutes.
pub const DURATION_MINUTES: std::ops::RangeInclusive<i32> = 15..=480;
/// Most questions one kit may hold.
pub const MAX_QUESTIONS: usize = 12;

/// An interview as typed into the form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct InterviewInput {
    /// Local date and time, `2026-12-01T10:00`.
    pub starts_at: String,
    /// IANA time zone, `Europe/Vienna`.
    pub time_zone: String,
    pub duration_minutes: String,
    /// A room, an address or a video link.
    pub location: String,
    /// User ids of the panel.
    pub panel: Vec<i32>,
    /// Question ids of the kit, in order.
    pub questions: Vec<String>,
    /// Question id to the panel member it is a focus for.
    pub focus: BTreeMap<String, i32>,
}

/// Scheduled or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Cancelled => "cancelled",
        }
    }
}

/// A question of the kit as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct KitQuestion {
    pub id: String,
    pub level: Level,
    pub text: String,
    pub competencies: Vec<String>,
    /// The panel member this question is a focus for.
    pub focus: Option<Person>,
}

/// An interview with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Interview {
    pub id: i32,
    pub status: Status,
    pub starts_at: DateTime<Utc>,
    /// The start in the interview's time zone, `Tue 1 Dec 2026, 10:00`.
    pub starts_local: String,
    /// `2026-12-01T10:00`, for the form.
    pub starts_input: String,
    pub time_zone: String,
    pub duration_minutes: i32,
    pub location: String,
    /// Whether `location` is a web link.
    pub location_is_link: bool,
    pub sequence: i32,
    pub application_id: i32,
    pub candidate: Person,
    pub candidate_title: String,
    /// The candidate's summary, for the panel's kit.
    pub candidate_summary: String,
    pub requisition_id: i32,
    pub requisition: String,
    pub role_slug: String,
    pub role_title: String,
    pub panel: Vec<Person>,
    pub questions: Vec<KitQuestion>,
    pub past: bool,
}

impl Interview {
    /// Question id to the name of the panel member it is a focus for.
    pub fn focus_names(&self) -> BTreeMap<String, String> {
        self.questions
            .iter()
            .filter_map(|q| q.focus.as_ref().map(|f| (q.id.clone(), f.name.clone())))
            .collect()
    }
}

/// A time zone by its IANA name.
///
/// # Errors
/// A message for the `time_zone` field.
pub fn parse_zone(name: &str) -> Result<Tz, fields::FieldError> {
    name.trim().parse::<Tz>().map_err(|_| {
        fields::FieldError::new(
            "time_zone",
            "Choose a time zone from the list, such as Europe/Vienna or America/New_York.",
        )
    })
}

/// The local date and time in `zone` as an instant; a time the clocks skip (or pass twice)
/// is refused rather than guessed.
fn local_to_utc(text: &str, zone: Tz) -> Result<DateTime<Utc>, fields::FieldError> {
    let field = "starts_at";
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            fields::FieldError::new(field, "Enter the date and time, like 2026-12-01 10:00.")
        })?;
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        _ => Err(fields::FieldError::new(
            field,
            format!(
                "{naive} does not exist or happens twice in {zone} (the clocks change then); choose another time."
            ),
        )),
    }
}

/// How an instant reads in a zone: `Tue 1 Dec 2026, 10:00 (Europe/Vienna)`.
pub fn local_words(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(tz) => format!(
            "{} ({zone})",
            at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M")
        ),
        Err(_) => format!("{} (UTC)", at.format("%a %-d %b %Y, %H:%M")),
    }
}

/// What the form offers: the role's questions, the balanced default kit and the people
/// who may sit on a panel.
#[derive(Debug, Clone, Serialize)]
pub struct Choices {
    pub questions: Vec<Question>,
    pub default_kit: Vec<String>,
    pub people: Vec<Person>,
}

/// Active users, by name: anyone may sit on a panel.
///
/// # Errors
/// The database failed.
pub async fn panel_candidates(db: &impl ConnectionTrait) -> Result<Vec<Person>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Name)
        .all(db)
        .await?
        .iter()
        .map(Person::from)
        .collect())
}

/// The requisition's kit if it has one, else the role's balanced kit.
pub fn kit_for(role: &Role, requisition: &requisitions::Model) -> Vec<String> {
    let chosen: Vec<String> = requisition
        .kit
        .split(',')
        .map(str::trim)
        .filter(|id| role.questions.iter().any(|q| q.id == *id))
        .map(str::to_owned)
        .collect();
    if chosen.is_empty() {
        role.default_kit().iter().map(|q| q.id.clone()).collect()
    } else {
        chosen
    }
}

/// The checked input.
struct Checked {
    starts_at: DateTime<Utc>,
    time_zone: String,
    duration: i32,
    location: String,
    panel: Vec<users::Model>,
    questions: Vec<String>,
    focus: BTreeMap<String, i32>,
}

async fn check(
    db: &impl ConnectionTrait,
    role: &Role,
    input: &InterviewInput,
    now: DateTime<Utc>,
) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let zone = errors.take(parse_zone(&input.time_zone));
    let starts_at = zone.and_then(|z| errors.take(local_to_utc(&input.starts_at, z)));
    if let Some(t) = starts_at
        && t < now
    {
        errors.insert("starts_at", "Choose a time in the future.");
    }
    let duration = match input.duration_minutes.trim().parse::<i32>() {
        Ok(d) if DURATION_MINUTES.contains(&d) => Some(d),
        _ => {
            errors.insert(
                "duration_minutes",
                format!(
                    "Enter the length in minutes, from {} to {}.",
                    DURATION_MINUTES.start(),
                    DURATION_MINUTES.end()
                ),
            );
            None
        }
    };
    let location = errors
        .take(fields::optional(fields::PLACE, &input.location))
        .flatten()
        .unwrap_or_default();
    let mut panel: Vec<users::Model> = Vec::new();
    for id in &input.panel {
        match users::Entity::find_by_id(*id).one(db).await? {
            Some(u) if u.active => {
                if !panel.iter().any(|p| p.id == u.id) {
                    panel.push(u);
                }
            }
            _ => errors.insert("panel", "Choose panel members from the list."),
        }
    }
    if panel.is_empty() {
        errors.insert("panel", "Choose at least one interviewer.");
    }
    let mut questions: Vec<String> = Vec::new();
    for id in &input.questions {
        if role.questions.iter().any(|q| q.id == *id) {
            if !questions.contains(id) {
                questions.push(id.clone());
            }
        } else {
            errors.insert(
                "questions",
                format!("Choose questions from the {} bank.", role.title),
            );
        }
    }
    if questions.is_empty() {
        errors.insert("questions", "Choose at least one question.");
    } else if questions.len() > MAX_QUESTIONS {
        errors.insert(
            "questions",
            format!("Choose at most {MAX_QUESTIONS} questions; an interview has time for no more."),
        );
    }
    let mut focus = BTreeMap::new();
    for (question, user) in &input.focus {
        if !questions.contains(question) {
            continue;
        }
        if panel.iter().any(|p| p.id == *user) {
            focus.insert(question.clone(), *user);
        } else {
            errors.insert("focus", "A focus question must go to someone on the panel.");
        }
    }
    match (starts_at, duration) {
        (Some(starts_at), Some(duration)) if errors.is_empty() => Ok(Checked {
            starts_at,
            time_zone: input.time_zone.trim().to_owned(),
            duration,
            location,
            panel,
            questions,
            focus,
        }),
        _ => Err(errors.into()),
    }
}

/// The application with its requisition, candidate and role, if the user may see it.
async fn application_context(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
    application_id: i32,
) -> Result<
    (
        applications::Model,
        requisitions::Model,
        candidates::Model,
        Role,
    ),
    AppError,
> {
    let not_found = || AppError::NotFound("No application has this number.".to_owned());
    let (application, requisition) = applications::Entity::find_by_id(application_id)
        .find_also_related(requisitions::Entity)
        .one(db)
        .await?
        .and_then(|(a, r)| r.map(|r| (a, r)))
        .filter(|(_, r)| policy::may_see_requisition(user, r))
        .ok_or_else(not_found)?;
    let candidate = candidates::Entity::find_by_id(application.candidate_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let role_row = roles::Entity::find_by_id(requisition.role_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let role = taxonomy
        .role(&role_row.slug)
        .cloned()
        .ok_or_else(not_found)?;
    Ok((application, requisition, candidate, role))
}

/// What the scheduling form needs for an application: its candidate and requisition, and
/// the choices.
///
/// # Errors
/// Not found, or the database failed.
pub async fn choices_for(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
    application_id: i32,
) -> Result<(candidates::Model, requisitions::Model, Choices, Vec<i32>), AppError> {
    let (_, requisition, candidate, role) =
        application_context(db, taxonomy, user, application_id).await?;
    let default_panel = crate::entities::requisition_panel::Entity::find()
        .filter(crate::entities::requisition_panel::Column::RequisitionId.eq(requisition.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    let choices = Choices {
        default_kit: kit_for(&role, &requisition),
        questions: role.questions.clone(),
        people: panel_candidates(db).await?,
    };
    Ok((candidate, requisition, choices, default_panel))
}

/// Schedule an interview for an application, email the panel, and move the application
/// to "interviewing" if it was earlier in the pipeline.
///
/// # Errors
/// Not found, a message per bad field, a closed requisition; nothing is written then.
pub async fn schedule(
    db: &DatabaseConnection,
    mail: &Mail,
    taxonomy: &Taxonomy,
    actor: &CurrentUser,
    application_id: i32,
    input: &InterviewInput,
) -> Result<interviews::Model, AppError> {
    let txn = begin_write(db).await?;
    let (application, requisition, candidate, role) =
        application_context(&txn, taxonomy, actor, application_id).await?;
    if requisition.status != attache_core::RequisitionStatus::Open.as_str() {
        return Err(AppError::conflict(
            "requisition_closed",
            format!(
                "The requisition “{}” is closed; reopen it to schedule interviews.",
                requisition.title
            ),
        ));
    }
    let now = Utc::now();
    let checked = check(&txn, &role, input, now).await?;
    let version = question_bank_versions::Entity::find()
        .filter(question_bank_versions::Column::RoleId.eq(requisition.role_id))
        .filter(
            question_bank_versions::Column::Version.eq(attache_core::bank_version(&role.questions)),
        )
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no bank version for {}", role.slug)))?;
    let interview = interviews::ActiveModel {
        application_id: Set(application.id),
        bank_version_id: Set(version.id),
        scheduled_at: Set(checked.starts_at),
        duration_minutes: Set(checked.duration),
        location: Set(checked.location.clone()),
        created_by: Set(actor.id),
        created_at: Set(now),
        time_zone: Set(checked.time_zone.clone()),
        status: Set(Status::Scheduled.as_str().to_owned()),
        sequence: Set(0),
        updated_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_panel_and_kit(&txn, interview.id, &checked).await?;
    if matches!(
        application.stage.parse::<Stage>(),
        Ok(Stage::Sourced | Stage::Screening)
    ) {
        let from = application.stage.clone();
        let mut active: applications::ActiveModel = application.into();
        active.stage = Set(Stage::Interviewing.as_str().to_owned());
        active.updated_at = Set(now);
        active.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.id),
            "application.stage",
            "application",
            Some(application_id),
            json!({"from": from, "to": "interviewing", "reason": "interview scheduled"}),
        )
        .await?;
    }
    audit::record(
        &txn,
        Some(actor.id),
        "interview.schedule",
        "interview",
        Some(interview.id),
        json!({"application_id": application_id, "panel": checked.panel.iter().map(|p| p.id).collect::<Vec<_>>()}),
    )
    .await?;
    let invite = Invite {
        interview: &interview,
        role: &role,
        candidate: &candidate,
        organizer: actor,
    };
    invite
        .send(&txn, mail, &checked.panel, &checked.panel, Kind::New)
        .await?;
    txn.commit().await?;
    mail.wake();
    Ok(interview)
}

async fn write_panel_and_kit(
    txn: &DatabaseTransaction,
    interview_id: i32,
    checked: &Checked,
) -> Result<(), AppError> {
    panel_members::Entity::delete_many()
        .filter(panel_members::Column::InterviewId.eq(interview_id))
        .exec(txn)
        .await?;
    kit_questions::Entity::delete_many()
        .filter(kit_questions::Column::InterviewId.eq(interview_id))
        .exec(txn)
        .await?;
    // Reminders to score start an hour after the interview ends.
    let first_reminder =
        checked.starts_at + Duration::minutes(i64::from(checked.duration)) + Duration::hours(1);
    for member in &checked.panel {
        panel_members::ActiveModel {
            interview_id: Set(interview_id),
            user_id: Set(member.id),
            next_reminder_at: Set(Some(first_reminder)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for (position, question) in checked.questions.iter().enumerate() {
        kit_questions::ActiveModel {
            interview_id: Set(interview_id),
            question_id: Set(question.clone()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            focus_user_id: Set(checked.focus.get(question).copied()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The interview if the user may see it: the recruiting team, the requisition's hiring
/// manager, and the panel. Not found otherwise.
///
/// # Errors
/// Not found, or the database failed.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i32,
) -> Result<interviews::Model, AppError> {
    let not_found = || AppError::NotFound("No interview has this number.".to_owned());
    let interview = interviews::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if may_see(db, user, &interview).await? {
        Ok(interview)
    } else {
        Err(not_found())
    }
}

async fn may_see(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    interview: &interviews::Model,
) -> Result<bool, AppError> {
    let on_panel = panel_members::Entity::find()
        .filter(panel_members::Column::InterviewId.eq(interview.id))
        .filter(panel_members::Column::UserId.eq(user.id))
        .one(db)
        .await?
        .is_some();
    if on_panel {
        return Ok(true);
    }
    let requisition = applications::Entity::find_by_id(interview.application_id)
        .find_also_related(requisitions::Entity)
        .one(db)
        .await?
        .and_then(|(_, r)| r);
    Ok(requisition.is_some_and(|r| policy::may_see_requisition(user, &r)))
}

/// Change when, where or with whom; the panel gets an update (same UID, higher
/// SEQUENCE), and anyone taken off the panel a cancellation.
///
/// # Errors
/// Not found, cancelled already, or a message per bad field.
pub async fn reschedule(
    db: &DatabaseConnection,
    mail: &Mail,
    taxonomy: &Taxonomy,
    actor: &CurrentUser,
    id: i32,
    input: &InterviewInput,
) -> Result<interviews::Model, AppError> {
    let txn = begin_write(db).await?;
    let existing = find_editable(&txn, actor, id).await?;
    let (_, _, candidate, role) =
        application_context(&txn, taxonomy, actor, existing.application_id).await?;
    let checked = check(&txn, &role, input, Utc::now()).await?;
    let before = panel_of(&txn, id).await?;
    let mut active: interviews::ActiveModel = existing.clone().into();
    active.scheduled_at = Set(checked.starts_at);
    active.duration_minutes = Set(checked.duration);
    active.location = Set(checked.location.clone());
    active.time_zone = Set(checked.time_zone.clone());
    active.sequence = Set(existing.sequence + 1);
    active.updated_at = Set(Some(Utc::now()));
    let interview = active.update(&txn).await?;
    write_panel_and_kit(&txn, id, &checked).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "interview.reschedule",
        "interview",
        Some(id),
        json!({"sequence": interview.sequence, "panel": checked.panel.iter().map(|p| p.id).collect::<Vec<_>>()}),
    )
    .await?;
    let invite = Invite {
        interview: &interview,
        role: &role,
        candidate: &candidate,
        organizer: actor,
    };
    let removed: Vec<users::Model> = before
        .into_iter()
        .filter(|b| !checked.panel.iter().any(|p| p.id == b.id))
        .collect();
    invite
        .send(&txn, mail, &checked.panel, &checked.panel, Kind::Update)
        .await?;
    invite
        .send(&txn, mail, &removed, &checked.panel, Kind::Cancel)
        .await?;
    txn.commit().await?;
    mail.wake();
    Ok(interview)
}

/// Cancel an interview; the panel gets a cancellation with the same UID.
///
/// # Errors
/// Not found, or cancelled already.
pub async fn cancel(
    db: &DatabaseConnection,
    mail: &Mail,
    taxonomy: &Taxonomy,
    actor: &CurrentUser,
    id: i32,
) -> Result<interviews::Model, AppError> {
    let txn = begin_write(db).await?;
    let existing = find_editable(&txn, actor, id).await?;
    let (_, _, candidate, role) =
        application_context(&txn, taxonomy, actor, existing.application_id).await?;
    let panel = panel_of(&txn, id).await?;
    let mut active: interviews::ActiveModel = existing.clone().into();
    active.status = Set(Status::Cancelled.as_str().to_owned());
    active.sequence = Set(existing.sequence + 1);
    active.updated_at = Set(Some(Utc::now()));
    let interview = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "interview.cancel",
        "interview",
        Some(id),
        json!({"sequence": interview.sequence}),
    )
    .await?;
    let invite = Invite {
        interview: &interview,
        role: &role,
        candidate: &candidate,
        organizer: actor,
    };
    invite
        .send(&txn, mail, &panel, &panel, Kind::Cancel)
        .await?;
    txn.commit().await?;
    mail.wake();
    Ok(interview)
}

/// A scheduled interview the actor may change (recruiters and admins).
async fn find_editable(
    db: &impl ConnectionTrait,
    actor: &CurrentUser,
    id: i32,
) -> Result<interviews::Model, AppError> {
    let interview = find_visible(db, actor, id).await?;
    if !policy::may_edit(actor) {
        return Err(AppError::Forbidden);
    }
    if interview.status == Status::Cancelled.as_str() {
        return Err(AppError::conflict(
            "interview_cancelled",
            "This interview was cancelled; schedule a new one instead.",
        ));
    }
    Ok(interview)
}

async fn panel_of(
    db: &impl ConnectionTrait,
    interview_id: i32,
) -> Result<Vec<users::Model>, AppError> {
    let rows = panel_members::Entity::find()
        .filter(panel_members::Column::InterviewId.eq(interview_id))
        .order_by_asc(panel_members::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.user_id).collect();
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    Ok(ids
        .iter()
        .filter_map(|id| people.iter().find(|u| u.id == *id).cloned())
        .collect())
}

/// One interview with what its page shows.
///
/// # Errors
/// Not found, or the database failed.
pub async fn get(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
    id: i32,
) -> Result<Interview, AppError> {
    let interview = find_visible(db, user, id).await?;
    Ok(describe(db, taxonomy, vec![interview]).await?.remove(0))
}

/// Interviews of one candidate that the user may see, soonest first.
///
/// # Errors
/// The database failed.
pub async fn of_candidate(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
    candidate_id: i32,
) -> Result<Vec<Interview>, AppError> {
    let application_ids: Vec<i32> =
        crate::services::candidates::applications_of(db, user, candidate_id)
            .await?
            .into_iter()
            .map(|(a, _)| a.id)
            .collect();
    let rows = interviews::Entity::find()
        .filter(interviews::Column::ApplicationId.is_in(application_ids))
        .order_by_asc(interviews::Column::ScheduledAt)
        .all(db)
        .await?;
    describe(db, taxonomy, rows).await
}

/// The interviews a user may see: all for the recruiting team, their requisitions' for a
/// hiring manager, and for everyone the ones they sit on. Upcoming first (soonest first),
/// then past (latest first).
///
/// # Errors
/// The database failed.
pub async fn list(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
) -> Result<Vec<Interview>, AppError> {
    let mut ids: Vec<i32> = panel_members::Entity::find()
        .filter(panel_members::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.interview_id)
        .collect();
    let mut query = interviews::Entity::find();
    match policy::requisitions(user) {
        policy::Scope::All => {}
        policy::Scope::ManagedBy(manager) => {
            let mine: Vec<i32> = applications::Entity::find()
                .inner_join(requisitions::Entity)
                .filter(requisitions::Column::HiringManagerId.eq(manager))
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            let theirs: Vec<i32> = interviews::Entity::find()
                .filter(interviews::Column::ApplicationId.is_in(mine))
                .all(db)
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect();
            ids.extend(theirs);
            query = query.filter(interviews::Column::Id.is_in(ids));
        }
        policy::Scope::Nothing => {
            query = query.filter(interviews::Column::Id.is_in(ids));
        }
    }
    let rows = query
        .order_by_asc(interviews::Column::ScheduledAt)
        .all(db)
        .await?;
    let mut all = describe(db, taxonomy, rows).await?;
    let (mut past, upcoming): (Vec<Interview>, Vec<Interview>) =
        all.drain(..).partition(|i| i.past);
    past.reverse();
    Ok(upcoming.into_iter().chain(past).collect())
}

/// Attach candidates, requisitions, panels and kits to interviews.
async fn describe(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    rows: Vec<interviews::Model>,
) -> Result<Vec<Interview>, AppError> {
    let now = Utc::now();
    let mut out = Vec::with_capacity(rows.len());
    for i in rows {
        let Some((application, Some(requisition))) =
            applications::Entity::find_by_id(i.application_id)
                .find_also_related(requisitions::Entity)
                .one(db)
                .await?
        else {
            continue;
        };
        let Some(candidate) = candidates::Entity::find_by_id(application.candidate_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let role_row = roles::Entity::find_by_id(requisition.role_id)
            .one(db)
            .await?;
        let slug = role_row.map(|r| r.slug).unwrap_or_default();
        // The kit as it was asked: the questions of the bank version it was scheduled on.
        let bank: Vec<Question> = question_bank_versions::Entity::find_by_id(i.bank_version_id)
            .one(db)
            .await?
            .and_then(|v| serde_json::from_value(v.questions).ok())
            .unwrap_or_default();
        let panel: Vec<Person> = panel_of(db, i.id).await?.iter().map(Person::from).collect();
        let kit = kit_questions::Entity::find()
            .filter(kit_questions::Column::InterviewId.eq(i.id))
            .order_by_asc(kit_questions::Column::Position)
            .all(db)
            .await?;
        let questions = kit
            .iter()
            .filter_map(|k| {
                bank.iter()
                    .find(|q| q.id == k.question_id)
                    .map(|q| KitQuestion {
                        id: q.id.clone(),
                        level: q.level,
                        text: q.text.clone(),
                        competencies: q.competencies.clone(),
                        focus: k
                            .focus_user_id
                            .and_then(|u| panel.iter().find(|p| p.id == u).cloned()),
                    })
            })
            .collect();
        let zone = i.time_zone.parse::<Tz>().unwrap_or(chrono_tz::UTC);
        out.push(Interview {
            id: i.id,
            status: if i.status == Status::Cancelled.as_str() {
                Status::Cancelled
            } else {
                Status::Scheduled
            },
            starts_at: i.scheduled_at,
            starts_local: local_words(i.scheduled_at, &i.time_zone),
            starts_input: i
                .scheduled_at
                .with_timezone(&zone)
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            time_zone: i.time_zone.clone(),
            duration_minutes: i.duration_minutes,
            location_is_link: i.location.starts_with("https://")
                || i.location.starts_with("http://"),
            location: i.location.clone(),
            sequence: i.sequence,
            application_id: application.id,
            candidate: Person {
                id: candidate.id,
                name: candidate.name.clone(),
                email: candidate.email.clone(),
            },
            candidate_title: candidate.current_title.clone(),
            candidate_summary: candidate.summary.clone(),
            requisition_id: requisition.id,
            requisition: requisition.title.clone(),
            role_title: taxonomy
                .role(&slug)
                .map(|r| r.title.clone())
                .unwrap_or_default(),
            role_slug: slug,
            panel,
            questions,
            past: i.scheduled_at + Duration::minutes(i64::from(i.duration_minutes)) < now,
        });
    }
    Ok(out)
}

/// What kind of calendar message an email carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    New,
    Update,
    Cancel,
}

/// The pieces of an invitation.
struct Invite<'a> {
    interview: &'a interviews::Model,
    role: &'a Role,
    candidate: &'a candidates::Model,
    organizer: &'a CurrentUser,
}

impl Invite<'_> {
    /// Write one email per recipient to the outbox, in the change's transaction.
    async fn send(
        &self,
        txn: &DatabaseTransaction,
        mail: &Mail,
        recipients: &[users::Model],
        panel: &[users::Model],
        kind: Kind,
    ) -> Result<(), AppError> {
        for to in recipients {
            self.email(mail, to, panel, kind)?.enqueue(txn).await?;
        }
        Ok(())
    }

    fn email(
        &self,
        mail: &Mail,
        to: &users::Model,
        panel: &[users::Model],
        kind: Kind,
    ) -> Result<Email, AppError> {
        let i = self.interview;
        let link = mail.link(&format!("/interviews/{}", i.id));
        let template = if kind == Kind::Cancel {
            "interview_cancelled"
        } else {
            "interview_invitation"
        };
        let mut email = Email::render(
            &to.email,
            template,
            minijinja::context! {
                name => to.name,
                candidate => self.candidate.name,
                role => self.role.title,
                when => local_words(i.scheduled_at, &i.time_zone),
                minutes => i.duration_minutes,
                location => i.location,
                link,
                update => kind == Kind::Update,
                organizer => self.organizer.name,
            },
        )
        .map_err(|e| AppError::Internal(e.into()))?;
        let ics = ics(self, &mail.host(), &link, panel, kind);
        email.attachment = Some(("interview.ics".to_owned(), ics.into_bytes()));
        Ok(email)
    }
}

/// The iCalendar file for an interview: one event whose UID is the interview's and whose
/// SEQUENCE counts the updates sent.
fn ics(invite: &Invite<'_>, host: &str, link: &str, panel: &[users::Model], kind: Kind) -> String {
    let i = invite.interview;
    let ends = i.scheduled_at + Duration::minutes(i64::from(i.duration_minutes));
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("interview-{}@{host}", i.id))
        .sequence(u32::try_from(i.sequence).unwrap_or(0))
        .timestamp(Utc::now())
        .starts(i.scheduled_at)
        .ends(ends)
        .summary(&format!(
            "Interview: {} ({})",
            invite.candidate.name, invite.role.title
        ))
        .description(&format!("Questions and rubrics: {link}"))
        .url(link)
        .status(if kind == Kind::Cancel {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        })
        .append_property(
            icalendar::Property::new("ORGANIZER", format!("mailto:{}", invite.organizer.email))
                .add_parameter("CN", &invite.organizer.name)
                .done(),
        );
    if !i.location.is_empty() {
        event.location(&i.location);
    }
    for member in panel {
        event.append_multi_property(
            icalendar::Property::new("ATTENDEE", format!("mailto:{}", member.email))
                .add_parameter("CN", &member.name)
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .done(),
        );
    }
    let mut calendar = Calendar::new();
    calendar
        .append_property((
            "METHOD",
            if kind == Kind::Cancel {
                "CANCEL"
            } else {
                "REQUEST"
            },
        ))
        .push(event.done());
    calendar.done().to_string()
}

/// Whether the user is a recruiter or admin (who schedule), for pages.
pub fn may_schedule(user: &CurrentUser) -> bool {
    matches!(user.role, UserRole::Admin | UserRole::Recruiter)
}
