//! Roles and their question bank versions.

use attache_core::{Role, bank_version};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::db::begin_write;
use crate::entities::{question_bank_versions as versions, roles};

/// What loading the seed data changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Question bank versions recorded by this load.
    pub new_versions: usize,
}

fn to_json(role: &Role) -> Result<serde_json::Value, DbErr> {
    serde_json::to_value(role).map_err(|e| DbErr::Custom(format!("role {}: {e}", role.slug)))
}

/// Bring the database in line with the seed data, in one write transaction.
///
/// A new role is inserted with its first bank version; a changed role is updated, and a
/// changed question bank gets a new version (earlier versions are kept, since scorecards
/// refer to them); an unchanged role is not touched. Roles no longer in the seed data stay
/// in the database: requisitions and scorecards may refer to them.
///
/// # Errors
/// The database failed; nothing is changed.
pub async fn sync_seed(db: &DatabaseConnection, seed: &[Role]) -> Result<SyncReport, DbErr> {
    let txn = begin_write(db).await?;
    let mut report = SyncReport::default();
    let now = Utc::now();
    for role in seed {
        let version = bank_version(&role.questions);
        let data = to_json(role)?;
        let existing = roles::Entity::find()
            .filter(roles::Column::Slug.eq(&role.slug))
            .one(&txn)
            .await?;
        let role_id = match existing {
            Some(row) if row.data == data && row.current_version == version => {
                report.unchanged += 1;
                continue;
            }
            Some(row) => {
                let id = row.id;
                let mut active: roles::ActiveModel = row.into();
                active.track = Set(role.track.as_str().to_owned());
                active.title = Set(role.title.clone());
                active.data = Set(data);
                active.current_version = Set(version.clone());
                active.updated_at = Set(now);
                active.update(&txn).await?;
                report.updated += 1;
                id
            }
            None => {
                let row = roles::ActiveModel {
                    slug: Set(role.slug.clone()),
                    track: Set(role.track.as_str().to_owned()),
                    title: Set(role.title.clone()),
                    data: Set(data),
                    current_version: Set(version.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                report.created += 1;
                row.id
            }
        };
        let known = versions::Entity::find()
            .filter(versions::Column::RoleId.eq(role_id))
            .filter(versions::Column::Version.eq(&version))
            .one(&txn)
            .await?;
        if known.is_none() {
            let questions = serde_json::to_value(&role.questions)
                .map_err(|e| DbErr::Custom(format!("role {}: {e}", role.slug)))?;
            versions::ActiveModel {
                role_id: Set(role_id),
                version: Set(version),
                questions: Set(questions),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            report.new_versions += 1;
        }
    }
    txn.commit().await?;
    Ok(report)
}

/// Every role in the database, in track and slug order.
///
/// # Errors
/// The database failed, or a stored role no longer parses.
pub async fn load_all(db: &DatabaseConnection) -> Result<Vec<Role>, DbErr> {
    let rows = roles::Entity::find()
        .order_by_asc(roles::Column::Slug)
        .all(db)
        .await?;
    let mut roles = rows
        .into_iter()
        .map(|row| {
            serde_json::from_value::<Role>(row.data)
                .map_err(|e| DbErr::Custom(format!("stored role {} does not parse: {e}", row.slug)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort_by(|a, b| a.track.cmp(&b.track).then_with(|| a.slug.cmp(&b.slug)));
    Ok(roles)
}

/// The versions recorded for a role's question bank, oldest first.
///
/// # Errors
/// The database failed.
pub async fn versions_of(db: &DatabaseConnection, slug: &str) -> Result<Vec<String>, DbErr> {
    let Some(role) = roles::Entity::find()
        .filter(roles::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    Ok(versions::Entity::find()
        .filter(versions::Column::RoleId.eq(role.id))
        .order_by_asc(versions::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect())
}
