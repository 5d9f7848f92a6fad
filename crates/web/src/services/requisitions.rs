//! Requisitions: an opening for a role, owned by a hiring manager, with a default panel.
//! Errors are [`AppError`]s: not found (also for "not yours"), a message per bad field,
//! or a conflict.

use std::collections::BTreeMap;

use attache_core::{RequisitionStatus, Stage};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::db::begin_write;
use crate::entities::{applications, requisition_panel, requisitions, roles, users};
use crate::error::AppError;
use crate::fields::{self, FieldErrors};
use crate::services::policy::{self, Scope};
use crate::services::{audit, users as user_service};

/// What a requisition is made of, as typed into a form or sent as JSON.
#[derive(Debug, Clone, Default)]
pub struct RequisitionInput {
    /// The role's slug.
    pub role: String,
    pub title: String,
    /// The hiring manager's email.
    pub hiring_manager: String,
    /// Emails of the default interview panel.
    pub panel: Vec<String>,
    /// Question ids of the default interview kit; empty for the role's balanced kit.
    pub kit: Vec<String>,
}

/// A requisition with what the pages and API show about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Requisition {
    pub id: i32,
    pub title: String,
    pub role: String,
    pub role_title: String,
    pub status: RequisitionStatus,
    pub hiring_manager: Person,
    pub panel: Vec<Person>,
    /// Question ids of the default kit, as chosen; empty for the role's balanced kit.
    pub kit: Vec<String>,
    /// Applications per stage, every stage present.
    pub stages: BTreeMap<Stage, u64>,
    pub created_at: chrono::DateTime<Utc>,
}

/// A user as other users see them.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Person {
    pub id: i32,
    pub name: String,
    pub email: String,
}

impl From<&users::Model> for Person {
    fn from(u: &users::Model) -> Self {
        Person {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
        }
    }
}

/// The checked input: role id, title, manager and panel users.
struct Checked {
    role_id: i32,
    kit: String,
    title: String,
    manager: users::Model,
    panel: Vec<users::Model>,
}

/// Check every field, naming each problem.
async fn check(db: &impl ConnectionTrait, input: &RequisitionInput) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let title = errors.take(fields::required(fields::TITLE, &input.title));
    let role = roles::Entity::find()
        .filter(roles::Column::Slug.eq(input.role.trim()))
        .one(db)
        .await?;
    let mut kit: Vec<&str> = Vec::new();
    match &role {
        None => errors.insert("role", "Choose one of Attaché's roles."),
        Some(role) => {
            let questions: Vec<String> = role
                .data
                .get("questions")
                .and_then(|q| q.as_array())
                .map(|qs| {
                    qs.iter()
                        .filter_map(|q| q.get("id").and_then(|id| id.as_str()).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for id in input
                .kit
                .iter()
                .map(|id| id.trim())
                .filter(|id| !id.is_empty())
            {
                if !questions.iter().any(|q| q == id) {
                    errors.insert("kit", "Choose the kit's questions from the role's bank.");
                } else if !kit.contains(&id) {
                    kit.push(id);
                }
            }
            if kit.len() > crate::services::interviews::MAX_QUESTIONS {
                errors.insert(
                    "kit",
                    format!(
                        "Choose at most {} questions.",
                        crate::services::interviews::MAX_QUESTIONS
                    ),
                );
            }
        }
    }
    let manager = match fields::email(&input.hiring_manager) {
        Err(_) => {
            errors.insert(
                "hiring_manager",
                "Enter the hiring manager's email address.",
            );
            None
        }
        Ok(email) => match user_service::find_by_email(db, &email).await? {
            Some(u) if u.active && u.role == UserRole::HiringManager.as_str() => Some(u),
            _ => {
                errors.insert(
                    "hiring_manager",
                    format!("{email} is not an active hiring manager in Attaché."),
                );
                None
            }
        },
    };
    let mut panel = Vec::new();
    for email in input
        .panel
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
    {
        let found = match fields::email(email) {
            Ok(email) => user_service::find_by_email(db, &email).await?,
            Err(_) => None,
        };
        match found {
            Some(u) if u.active => {
                if !panel.iter().any(|p: &users::Model| p.id == u.id) {
                    panel.push(u);
                }
            }
            _ => errors.insert(
                "panel",
                format!("{email} is not an active user of Attaché; invite them first."),
            ),
        }
    }
    match (role, title, manager) {
        (Some(role), Some(title), Some(manager)) if errors.is_empty() => Ok(Checked {
            role_id: role.id,
            kit: kit.join(","),
            title,
            manager,
            panel,
        }),
        _ => Err(errors.into()),
    }
}

/// Open a requisition.
///
/// # Errors
/// A message per bad field; nothing is written then.
pub async fn create(
    db: &DatabaseConnection,
    actor: &CurrentUser,
    input: &RequisitionInput,
) -> Result<Requisition, AppError> {
    let txn = begin_write(db).await?;
    let checked = check(&txn, input).await?;
    let now = Utc::now();
    let requisition = requisitions::ActiveModel {
        role_id: Set(checked.role_id),
        title: Set(checked.title),
        hiring_manager_id: Set(checked.manager.id),
        created_by: Set(actor.id),
        status: Set(RequisitionStatus::Open.as_str().to_owned()),
        kit: Set(checked.kit),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    set_panel(&txn, requisition.id, &checked.panel).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "requisition.create",
        "requisition",
        Some(requisition.id),
        json!({"role_id": checked.role_id, "hiring_manager_id": checked.manager.id}),
    )
    .await?;
    txn.commit().await?;
    get(db, actor, requisition.id).await
}

/// Change a requisition's role, title, manager or panel.
///
/// # Errors
/// Not found, or a message per bad field; nothing is written then.
pub async fn update(
    db: &DatabaseConnection,
    actor: &CurrentUser,
    id: i32,
    input: &RequisitionInput,
) -> Result<Requisition, AppError> {
    let txn = begin_write(db).await?;
    let existing = find_visible(&txn, actor, id).await?;
    let checked = check(&txn, input).await?;
    let mut active: requisitions::ActiveModel = existing.into();
    active.role_id = Set(checked.role_id);
    active.title = Set(checked.title);
    active.hiring_manager_id = Set(checked.manager.id);
    active.kit = Set(checked.kit);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    set_panel(&txn, id, &checked.panel).await?;
    audit::record(
        &txn,
        Some(actor.id),
        "requisition.update",
        "requisition",
        Some(id),
        json!({"role_id": checked.role_id, "hiring_manager_id": checked.manager.id}),
    )
    .await?;
    txn.commit().await?;
    get(db, actor, id).await
}

/// Close a requisition (it takes no new candidates) or reopen it.
///
/// # Errors
/// Not found.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &CurrentUser,
    id: i32,
    status: RequisitionStatus,
) -> Result<Requisition, AppError> {
    let txn = begin_write(db).await?;
    let existing = find_visible(&txn, actor, id).await?;
    if existing.status != status.as_str() {
        let mut active: requisitions::ActiveModel = existing.into();
        active.status = Set(status.as_str().to_owned());
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.id),
            if status == RequisitionStatus::Open {
                "requisition.reopen"
            } else {
                "requisition.close"
            },
            "requisition",
            Some(id),
            json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    get(db, actor, id).await
}

async fn set_panel(
    db: &impl ConnectionTrait,
    requisition_id: i32,
    panel: &[users::Model],
) -> Result<(), AppError> {
    requisition_panel::Entity::delete_many()
        .filter(requisition_panel::Column::RequisitionId.eq(requisition_id))
        .exec(db)
        .await?;
    for user in panel {
        requisition_panel::ActiveModel {
            requisition_id: Set(requisition_id),
            user_id: Set(user.id),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The requisition if `user` may see it; not found otherwise, whether or not it exists.
///
/// # Errors
/// Not found, or the database failed.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i32,
) -> Result<requisitions::Model, AppError> {
    requisitions::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| policy::may_see_requisition(user, r))
        .ok_or_else(|| AppError::NotFound("No requisition has this number.".to_owned()))
}

/// One requisition with its counts and panel.
///
/// # Errors
/// Not found (also when it is not the user's), or the database failed.
pub async fn get(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i32,
) -> Result<Requisition, AppError> {
    let requisition = find_visible(db, user, id).await?;
    Ok(describe(db, vec![requisition]).await?.remove(0))
}

/// The requisitions `user` may see, open ones first, newest first.
///
/// # Errors
/// The database failed.
pub async fn list(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
) -> Result<Vec<Requisition>, AppError> {
    let mut query = requisitions::Entity::find()
        .order_by_desc(requisitions::Column::Status.eq(RequisitionStatus::Open.as_str()))
        .order_by_desc(requisitions::Column::CreatedAt)
        .order_by_desc(requisitions::Column::Id);
    match policy::requisitions(user) {
        Scope::All => {}
        Scope::ManagedBy(id) => {
            query = query.filter(requisitions::Column::HiringManagerId.eq(id));
        }
        Scope::Nothing => return Ok(Vec::new()),
    }
    describe(db, query.all(db).await?).await
}

/// Attach roles, people and stage counts to requisitions, with one query for each.
async fn describe(
    db: &impl ConnectionTrait,
    rows: Vec<requisitions::Model>,
) -> Result<Vec<Requisition>, AppError> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let role_ids: Vec<i32> = rows.iter().map(|r| r.role_id).collect();
    let roles: BTreeMap<i32, roles::Model> = roles::Entity::find()
        .filter(roles::Column::Id.is_in(role_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let panel_rows = requisition_panel::Entity::find()
        .filter(requisition_panel::Column::RequisitionId.is_in(ids.clone()))
        .order_by_asc(requisition_panel::Column::Id)
        .all(db)
        .await?;
    let user_ids: Vec<i32> = rows
        .iter()
        .map(|r| r.hiring_manager_id)
        .chain(panel_rows.iter().map(|p| p.user_id))
        .collect();
    let people: BTreeMap<i32, Person> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .iter()
        .map(|u| (u.id, Person::from(u)))
        .collect();
    let counts: Vec<(i32, String, i64)> = applications::Entity::find()
        .select_only()
        .column(applications::Column::RequisitionId)
        .column(applications::Column::Stage)
        .column_as(applications::Column::Id.count(), "n")
        .filter(applications::Column::RequisitionId.is_in(ids))
        .group_by(applications::Column::RequisitionId)
        .group_by(applications::Column::Stage)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role = roles.get(&r.role_id);
        let mut stages: BTreeMap<Stage, u64> = Stage::ALL.iter().map(|s| (*s, 0)).collect();
        for (_, stage, n) in counts.iter().filter(|(id, _, _)| *id == r.id) {
            if let Ok(stage) = stage.parse::<Stage>() {
                *stages.entry(stage).or_default() += u64::try_from(*n).unwrap_or(0);
            }
        }
        out.push(Requisition {
            id: r.id,
            title: r.title,
            role: role.map(|x| x.slug.clone()).unwrap_or_default(),
            role_title: role.map(|x| x.title.clone()).unwrap_or_default(),
            status: r.status.parse().unwrap_or(RequisitionStatus::Open),
            hiring_manager: people.get(&r.hiring_manager_id).cloned().unwrap_or(Person {
                id: r.hiring_manager_id,
                name: String::new(),
                email: String::new(),
            }),
            panel: panel_rows
                .iter()
                .filter(|p| p.requisition_id == r.id)
                .filter_map(|p| people.get(&p.user_id).cloned())
                .collect(),
            stages,
            kit: r
                .kit
                .split(',')
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: r.created_at,
        });
    }
    Ok(out)
}

/// Active hiring managers, for the form's choice.
///
/// # Errors
/// The database failed.
pub async fn hiring_managers(db: &impl ConnectionTrait) -> Result<Vec<Person>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(UserRole::HiringManager.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Name)
        .all(db)
        .await?
        .iter()
        .map(Person::from)
        .collect())
}
