//! Candidate search and interview scheduling.
//!
//! Candidate search uses each database's own full-text index, so every instance shares
//! it and it stays fast as candidates grow: an FTS5 table kept in step by triggers on
//! SQLite, a generated `tsvector` column with a GIN index on PostgreSQL. Both stem
//! English words, so "negotiators" finds "negotiator", and split email addresses into
//! their words, so "ruiz@example" finds ana.ruiz@example.org.
//!
//! A query that names a role ("Track II") finds candidates through `candidate_roles`: which
//! roles each candidate's title and summary name, found by the core when the candidate is
//! saved and found again for everyone when the roles' names change (`index_versions` says
//! for which names the table was built). A full-text query over every name of a role would
//! have to read the posting lists of common words like "diplomacy" for each.
//!
//! Interviews gain a time zone, a status (scheduled or cancelled), the iCalendar
//! SEQUENCE that updates carry, and when they last changed. A requisition gains its
//! default question kit.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE candidates_fts USING fts5(name, email, current_title, summary, \
     content='candidates', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER candidates_fts_insert AFTER INSERT ON candidates BEGIN \
     INSERT INTO candidates_fts(rowid, name, email, current_title, summary) \
     VALUES (new.id, new.name, new.email, new.current_title, new.summary); END",
    "CREATE TRIGGER candidates_fts_delete AFTER DELETE ON candidates BEGIN \
     INSERT INTO candidates_fts(candidates_fts, rowid, name, email, current_title, summary) \
     VALUES ('delete', old.id, old.name, old.email, old.current_title, old.summary); END",
    "CREATE TRIGGER candidates_fts_update AFTER UPDATE ON candidates BEGIN \
     INSERT INTO candidates_fts(candidates_fts, rowid, name, email, current_title, summary) \
     VALUES ('delete', old.id, old.name, old.email, old.current_title, old.summary); \
     INSERT INTO candidates_fts(rowid, name, email, current_title, summary) \
     VALUES (new.id, new.name, new.email, new.current_title, new.summary); END",
    "INSERT INTO candidates_fts(candidates_fts) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS candidates_fts_update",
    "DROP TRIGGER IF EXISTS candidates_fts_delete",
    "DROP TRIGGER IF EXISTS candidates_fts_insert",
    "DROP TABLE IF EXISTS candidates_fts",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE candidates ADD COLUMN search tsvector GENERATED ALWAYS AS (\
     setweight(to_tsvector('english', coalesce(name, '')), 'A') || \
     setweight(to_tsvector('english', coalesce(current_title, '')), 'A') || \
     setweight(to_tsvector('english', coalesce(summary, '')), 'B') || \
     setweight(to_tsvector('simple', translate(coalesce(email, ''), '@.+_-', '     ')), 'A')) STORED",
    "CREATE INDEX idx_candidates_search ON candidates USING GIN (search)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_candidates_search",
    "ALTER TABLE candidates DROP COLUMN IF EXISTS search",
];

/// Columns added to `interviews`, one ALTER each (SQLite adds one column at a time).
fn interview_columns() -> Vec<ColumnDef> {
    vec![
        string("time_zone").default("UTC").to_owned(),
        // scheduled or cancelled
        string_len("status", 32).default("scheduled").to_owned(),
        integer("sequence").default(0).to_owned(),
        timestamp_with_time_zone_null("updated_at").to_owned(),
    ]
}

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, POSTGRES_UP).await?,
            _ => run(manager, SQLITE_UP).await?,
        }
        for mut column in interview_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table("interviews")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("requisitions")
                    // Question ids, comma-separated; empty means the role's balanced kit.
                    .add_column(text("kit").default("").to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("candidate_roles")
                    .col(pk_auto("id"))
                    .col(integer("candidate_id"))
                    .col(string("role_slug"))
                    // 0: the current title names the role; 1: the summary does.
                    .col(small_integer("field"))
                    // The role's name that was found, as the role writes it.
                    .col(string("name"))
                    .foreign_key(&mut fk(
                        "candidate_roles",
                        "candidate_id",
                        "candidates",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("index_versions")
                    .col(string("name").primary_key())
                    .col(string("version"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    "candidate_roles",
                    &["candidate_id", "role_slug", "field"],
                    true,
                ),
                index(
                    "candidate_roles",
                    &["role_slug", "field", "candidate_id"],
                    false,
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["index_versions", "candidate_roles"]).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("requisitions")
                    .drop_column("kit")
                    .to_owned(),
            )
            .await?;
        for column in ["updated_at", "sequence", "status", "time_zone"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("interviews")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }
}
