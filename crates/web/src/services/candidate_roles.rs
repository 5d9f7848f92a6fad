//! Which roles each candidate's title and summary name, kept in `candidate_roles` so that
//! a search for a role ("Track II") is an index lookup however common its words are. Found
//! by the core ([`Taxonomy::mentions`]) whenever a candidate is saved, and for every
//! candidate again when the roles' names change.

use attache_core::Taxonomy;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::begin_write;
use crate::entities::{candidate_roles, candidates, index_versions};

/// The current title names the role.
pub const IN_TITLE: i16 = 0;
/// The summary names the role.
pub const IN_SUMMARY: i16 = 1;
/// This table's row in `index_versions`.
const INDEX: &str = "candidate_roles";
/// Candidates read per batch when everyone is indexed again.
const BATCH: u64 = 1000;

fn rows(
    taxonomy: &Taxonomy,
    id: i32,
    title: &str,
    summary: &str,
) -> Vec<candidate_roles::ActiveModel> {
    let mut out = Vec::new();
    for (field, text) in [(IN_TITLE, title), (IN_SUMMARY, summary)] {
        for m in taxonomy.mentions(text) {
            out.push(candidate_roles::ActiveModel {
                candidate_id: Set(id),
                role_slug: Set(m.role.slug.clone()),
                field: Set(field),
                name: Set(m.name.to_owned()),
                ..Default::default()
            });
        }
    }
    out
}

/// Find again the roles one candidate names, in the transaction that saved them.
///
/// # Errors
/// The database failed.
pub async fn index(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    candidate: &candidates::Model,
) -> Result<(), DbErr> {
    candidate_roles::Entity::delete_many()
        .filter(candidate_roles::Column::CandidateId.eq(candidate.id))
        .exec(db)
        .await?;
    let rows = rows(
        taxonomy,
        candidate.id,
        &candidate.current_title,
        &candidate.summary,
    );
    if !rows.is_empty() {
        candidate_roles::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// If the roles' names changed since the table was built (or it never was), find the roles
/// of every candidate again ([`rebuild`]); how many candidates were read, or `None` when
/// the table was current.
///
/// # Errors
/// The database failed; the table is left as it was.
pub async fn reindex_if_stale(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
) -> Result<Option<u64>, DbErr> {
    let current = index_versions::Entity::find_by_id(INDEX.to_owned())
        .one(db)
        .await?;
    if current.is_some_and(|c| c.version == taxonomy.names_version()) {
        return Ok(None);
    }
    rebuild(db, taxonomy).await.map(Some)
}

/// Find the roles of every candidate again, in one transaction, and record for which
/// names; how many candidates were read.
///
/// # Errors
/// The database failed; the table is left as it was.
pub async fn rebuild(db: &DatabaseConnection, taxonomy: &Taxonomy) -> Result<u64, DbErr> {
    let version = taxonomy.names_version();
    let txn = begin_write(db).await?;
    // Claim the rebuild first: another instance starting at the same time waits here.
    match index_versions::Entity::find_by_id(INDEX.to_owned())
        .one(&txn)
        .await?
    {
        Some(row) => {
            let mut active: index_versions::ActiveModel = row.into();
            active.version = Set(version);
            active.update(&txn).await?;
        }
        None => {
            index_versions::ActiveModel {
                name: Set(INDEX.to_owned()),
                version: Set(version),
            }
            .insert(&txn)
            .await?;
        }
    }
    candidate_roles::Entity::delete_many().exec(&txn).await?;
    let mut last = 0;
    let mut read = 0;
    loop {
        let batch: Vec<(i32, String, String)> = candidates::Entity::find()
            .select_only()
            .column(candidates::Column::Id)
            .column(candidates::Column::CurrentTitle)
            .column(candidates::Column::Summary)
            .filter(candidates::Column::Id.gt(last))
            .order_by_asc(candidates::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&txn)
            .await?;
        let Some((id, _, _)) = batch.last() else {
            break;
        };
        last = *id;
        read += batch.len() as u64;
        let rows: Vec<_> = batch
            .iter()
            .flat_map(|(id, title, summary)| rows(taxonomy, *id, title, summary))
            .collect();
        for chunk in rows.chunks(500) {
            candidate_roles::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(read)
}
