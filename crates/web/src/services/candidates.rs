//! Candidates and their applications: one candidate per email address (compared
//! lower-cased), on any number of requisitions, each application at a pipeline stage.
//! Stage moves keep their reason in the audit log.

use attache_core::{RequisitionStatus, Stage, Taxonomy};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde_json::json;

use crate::auth::current::CurrentUser;
use crate::db::begin_write;
use crate::entities::{applications, candidates, requisitions};
use crate::error::AppError;
use crate::fields::{self, FieldErrors};
use crate::services::{audit, candidate_roles, policy, requisitions as requisition_service};

/// A candidate's details, as typed into a form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct CandidateInput {
    pub name: String,
    pub email: String,
    pub current_title: String,
    pub summary: String,
    pub location: String,
    pub source: String,
    pub notes: String,
}

/// The details checked: trimmed, the email normalised, a message per bad field.
pub(crate) fn check(input: &CandidateInput) -> Result<CandidateInput, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take(fields::required(fields::NAME, &input.name));
    let email = errors.take(fields::email(&input.email));
    let mut optional = |field, value: &str| {
        errors
            .take(fields::optional(field, value))
            .flatten()
            .unwrap_or_default()
    };
    let current_title = optional(fields::TITLE, &input.current_title);
    let summary = optional(fields::SUMMARY, &input.summary);
    let location = optional(fields::LOCATION, &input.location);
    let source = optional(fields::SOURCE, &input.source);
    let notes = optional(fields::NOTES, &input.notes);
    match (name, email) {
        (Some(name), Some(email)) if errors.is_empty() => Ok(CandidateInput {
            name,
            email,
            current_title,
            summary,
            location,
            source,
            notes,
        }),
        _ => Err(errors.into()),
    }
}

/// The 409 for an email that another candidate already has.
fn email_taken(email: &str, existing: Option<i32>) -> AppError {
    AppError::Conflict {
        code: "candidate_exists",
        message: match existing {
            Some(id) => format!(
                "A candidate with the email {email} already exists (candidate {id}); add them to \
                 the requisition from their page instead."
            ),
            None => format!("A candidate with the email {email} already exists."),
        },
    }
}

/// The id of the candidate with this (normalised) email, if any.
async fn id_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<i32>, AppError> {
    Ok(candidates::Entity::find()
        .filter(candidates::Column::Email.eq(email))
        .one(db)
        .await?
        .map(|c| c.id))
}

/// Add a candidate, and, given a requisition, their application to it at "sourced".
///
/// # Errors
/// A message per bad field, an email another candidate has (409), a requisition that is
/// not found or closed; nothing is written then.
pub async fn create(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    actor: &CurrentUser,
    input: &CandidateInput,
    requisition_id: Option<i32>,
) -> Result<(candidates::Model, Option<applications::Model>), AppError> {
    let checked = check(input)?;
    let txn = begin_write(db).await?;
    if let Some(id) = id_by_email(&txn, &checked.email).await? {
        return Err(email_taken(&checked.email, Some(id)));
    }
    let now = Utc::now();
    let email = checked.email.clone();
    let candidate = candidates::ActiveModel {
        name: Set(checked.name),
        email: Set(checked.email),
        current_title: Set(checked.current_title),
        summary: Set(checked.summary),
        location: Set(checked.location),
        source: Set(checked.source),
        notes: Set(checked.notes),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another request added the same email between the check and the insert.
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(&email, None),
        _ => e.into(),
    })?;
    candidate_roles::index(&txn, taxonomy, &candidate).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "candidate.create",
        "candidate",
        Some(candidate.id),
        json!({}),
    )
    .await?;
    let application = match requisition_id {
        Some(r) => Some(apply_in(&txn, actor, candidate.id, r).await?),
        None => None,
    };
    txn.commit().await?;
    Ok((candidate, application))
}

/// Change a candidate's details.
///
/// # Errors
/// Not found, a message per bad field, or an email another candidate has (409).
pub async fn update(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    actor: &CurrentUser,
    id: i32,
    input: &CandidateInput,
) -> Result<candidates::Model, AppError> {
    let checked = check(input)?;
    let txn = begin_write(db).await?;
    let existing = find_visible(&txn, actor, id).await?;
    if let Some(other) = id_by_email(&txn, &checked.email).await?
        && other != id
    {
        return Err(email_taken(&checked.email, Some(other)));
    }
    let email = checked.email.clone();
    let mut active: candidates::ActiveModel = existing.into();
    active.name = Set(checked.name);
    active.email = Set(checked.email);
    active.current_title = Set(checked.current_title);
    active.summary = Set(checked.summary);
    active.location = Set(checked.location);
    active.source = Set(checked.source);
    active.notes = Set(checked.notes);
    active.updated_at = Set(Utc::now());
    let candidate = active.update(&txn).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(&email, None),
        _ => e.into(),
    })?;
    candidate_roles::index(&txn, taxonomy, &candidate).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "candidate.update",
        "candidate",
        Some(id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(candidate)
}

/// Put a candidate on a requisition at "sourced".
///
/// # Errors
/// Not found, the requisition is closed, or the candidate is already on it (409).
pub async fn apply(
    db: &DatabaseConnection,
    actor: &CurrentUser,
    candidate_id: i32,
    requisition_id: i32,
) -> Result<applications::Model, AppError> {
    let txn = begin_write(db).await?;
    find_visible(&txn, actor, candidate_id).await?;
    let application = apply_in(&txn, actor, candidate_id, requisition_id).await?;
    txn.commit().await?;
    Ok(application)
}

async fn apply_in(
    txn: &DatabaseTransaction,
    actor: &CurrentUser,
    candidate_id: i32,
    requisition_id: i32,
) -> Result<applications::Model, AppError> {
    let requisition = requisition_service::find_visible(txn, actor, requisition_id)
        .await
        .map_err(|_| {
            let mut e = FieldErrors::new();
            e.insert("requisition_id", "Choose a requisition that exists.");
            AppError::Validation(e)
        })?;
    if requisition.status != RequisitionStatus::Open.as_str() {
        let mut e = FieldErrors::new();
        e.insert(
            "requisition_id",
            format!(
                "The requisition “{}” is closed; reopen it first.",
                requisition.title
            ),
        );
        return Err(e.into());
    }
    let already = applications::Entity::find()
        .filter(applications::Column::CandidateId.eq(candidate_id))
        .filter(applications::Column::RequisitionId.eq(requisition_id))
        .count(txn)
        .await?;
    if already > 0 {
        return Err(AppError::Conflict {
            code: "already_applied",
            message: format!("This candidate is already on “{}”.", requisition.title),
        });
    }
    let now = Utc::now();
    let application = applications::ActiveModel {
        requisition_id: Set(requisition_id),
        candidate_id: Set(candidate_id),
        stage: Set(Stage::Sourced.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        Some(actor.id),
        "application.create",
        "application",
        Some(application.id),
        json!({"candidate_id": candidate_id, "requisition_id": requisition_id}),
    )
    .await?;
    Ok(application)
}

/// Move an application to another stage; the reason goes to the audit log.
///
/// # Errors
/// Not found, or a reason that is too long.
pub async fn move_stage(
    db: &DatabaseConnection,
    actor: &CurrentUser,
    application_id: i32,
    stage: Stage,
    reason: &str,
) -> Result<applications::Model, AppError> {
    let reason = fields::optional(fields::REASON, reason)?.unwrap_or_default();
    let txn = begin_write(db).await?;
    let application = applications::Entity::find_by_id(application_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found_application)?;
    requisition_service::find_visible(&txn, actor, application.requisition_id)
        .await
        .map_err(|_| not_found_application())?;
    if application.stage == stage.as_str() {
        return Ok(application);
    }
    let from = application.stage.clone();
    let mut active: applications::ActiveModel = application.into();
    active.stage = Set(stage.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    let application = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "application.stage",
        "application",
        Some(application_id),
        json!({"from": from, "to": stage.as_str(), "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    Ok(application)
}

fn not_found_application() -> AppError {
    AppError::NotFound("No application has this number.".to_owned())
}

/// The candidate if `user` may see them; not found otherwise.
///
/// # Errors
/// Not found, or the database failed.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i32,
) -> Result<candidates::Model, AppError> {
    let not_found = || AppError::NotFound("No candidate has this number.".to_owned());
    let candidate = candidates::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if policy::may_see_candidate(db, user, id).await? {
        Ok(candidate)
    } else {
        Err(not_found())
    }
}

/// A candidate's applications that `user` may see, with their requisitions.
///
/// # Errors
/// The database failed.
pub async fn applications_of(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    candidate_id: i32,
) -> Result<Vec<(applications::Model, requisitions::Model)>, AppError> {
    let rows = applications::Entity::find()
        .find_also_related(requisitions::Entity)
        .filter(applications::Column::CandidateId.eq(candidate_id))
        .order_by_asc(applications::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, r)| r.map(|r| (a, r)))
        .filter(|(_, r)| policy::may_see_requisition(user, r))
        .collect())
}

/// The applications on a requisition with their candidates, by name. The caller has
/// checked that the user may see the requisition.
///
/// # Errors
/// The database failed.
pub async fn on_requisition(
    db: &impl ConnectionTrait,
    requisition_id: i32,
) -> Result<Vec<(applications::Model, candidates::Model)>, AppError> {
    Ok(applications::Entity::find()
        .find_also_related(candidates::Entity)
        .filter(applications::Column::RequisitionId.eq(requisition_id))
        .order_by_asc(candidates::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(a, c)| c.map(|c| (a, c)))
        .collect())
}

/// A hiring decision as the candidate's page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DecisionLine {
    pub requisition: String,
    pub decision: String,
    pub reason: String,
    pub decided_at: chrono::DateTime<Utc>,
}

/// The decisions on a candidate's applications that `user` may see, oldest first.
///
/// # Errors
/// The database failed.
pub async fn decisions_of(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    candidate_id: i32,
) -> Result<Vec<DecisionLine>, AppError> {
    let applications = applications_of(db, user, candidate_id).await?;
    let ids: Vec<i32> = applications.iter().map(|(a, _)| a.id).collect();
    let rows = crate::entities::decisions::Entity::find()
        .filter(crate::entities::decisions::Column::ApplicationId.is_in(ids))
        .order_by_asc(crate::entities::decisions::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|d| DecisionLine {
            requisition: applications
                .iter()
                .find(|(a, _)| a.id == d.application_id)
                .map(|(_, r)| r.title.clone())
                .unwrap_or_default(),
            decision: d.decision,
            reason: d.reason,
            decided_at: d.created_at,
        })
        .collect())
}
