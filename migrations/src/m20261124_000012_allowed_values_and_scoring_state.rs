//! The database itself refuses a status-like value that is not one of its kind (a stage,
//! a requisition or interview status, a role, a recommendation, a decision) and a score
//! outside 1-4: CHECK constraints on PostgreSQL, triggers on SQLite (which cannot add a
//! CHECK to an existing table). The lists are frozen here, as a migration must be; a test
//! holds them equal to the core's enums.
//!
//! Also what scoring needs next: `scorecard_revisions` (an amendment keeps the submitted
//! scorecard as it was, with who changed it and why) and each panel member's reminder state
//! (how many sent, when the next is due, and which instance has claimed it until when), so
//! several instances send each reminder once.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Table, column, allowed values, and whether NULL is allowed too.
const ALLOWED: &[(&str, &str, &[&str], bool)] = &[
    (
        "applications",
        "stage",
        &[
            "sourced",
            "screening",
            "interviewing",
            "decision",
            "hired",
            "withdrawn",
        ],
        false,
    ),
    ("requisitions", "status", &["open", "closed"], false),
    ("interviews", "status", &["scheduled", "cancelled"], false),
    ("scorecards", "status", &["draft", "submitted"], false),
    (
        "scorecards",
        "recommendation",
        &["strong_no", "no", "yes", "strong_yes"],
        true,
    ),
    (
        "decisions",
        "decision",
        &["advance", "hold", "reject", "offer"],
        false,
    ),
    (
        "users",
        "role",
        &["admin", "recruiter", "interviewer", "hiring_manager"],
        false,
    ),
];

fn condition(column: &str, values: &[&str], nullable: bool) -> String {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if nullable {
        format!("{column} IS NULL OR {column} IN ({list})")
    } else {
        format!("{column} IN ({list})")
    }
}

/// One rule: its table, its name, and its condition on a column reference (`stage` in a
/// CHECK, `NEW.stage` in a trigger).
struct Rule {
    table: &'static str,
    name: String,
    condition: Box<dyn Fn(&str) -> String>,
    column: &'static str,
}

fn rules() -> Vec<Rule> {
    let mut rules: Vec<Rule> = ALLOWED
        .iter()
        .map(|&(table, column, values, nullable)| Rule {
            table,
            name: format!("{table}_{column}_allowed"),
            condition: Box::new(move |c: &str| condition(c, values, nullable)),
            column,
        })
        .collect();
    rules.push(Rule {
        table: "ratings",
        name: "ratings_score_1_to_4".to_owned(),
        condition: Box::new(|c: &str| format!("{c} IS NULL OR {c} BETWEEN 1 AND 4")),
        column: "score",
    });
    rules
}

/// The statements that enforce the allowed values, and those that remove them.
fn enforce(backend: DatabaseBackend) -> (Vec<String>, Vec<String>) {
    let mut up = Vec::new();
    let mut down = Vec::new();
    for rule in rules() {
        let Rule {
            table,
            name,
            column,
            ..
        } = &rule;
        match backend {
            DatabaseBackend::Postgres => {
                let check = (rule.condition)(column);
                up.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check})"
                ));
                down.push(format!(
                    "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"
                ));
            }
            _ => {
                let check = (rule.condition)(&format!("NEW.{column}"));
                for (event, suffix) in [("INSERT", "insert"), ("UPDATE", "update")] {
                    up.push(format!(
                        "CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table} \
                         WHEN NOT ({check}) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
                    ));
                    down.push(format!("DROP TRIGGER IF EXISTS {name}_{suffix}"));
                }
            }
        }
    }
    (up, down)
}

async fn run(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Columns added to `panel_members`, one ALTER each.
fn reminder_columns() -> Vec<ColumnDef> {
    vec![
        integer("reminders_sent").default(0).to_owned(),
        timestamp_with_time_zone_null("next_reminder_at").to_owned(),
        string_null("reminder_claimed_by").to_owned(),
        timestamp_with_time_zone_null("reminder_claimed_until").to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (up, _) = enforce(manager.get_database_backend());
        run(manager, &up).await?;
        for mut column in reminder_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table("panel_members")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("scorecard_revisions")
                    .col(pk_auto("id"))
                    .col(integer("scorecard_id"))
                    // 1 for the scorecard as first submitted, then one more per amendment.
                    .col(integer("revision"))
                    // The scorecard and its ratings as they were, as JSON.
                    .col(json("snapshot"))
                    .col(integer("actor_id"))
                    .col(text("reason").default(""))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "scorecard_revisions",
                        "scorecard_id",
                        "scorecards",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "scorecard_revisions",
                        "actor_id",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("scorecard_revisions", &["scorecard_id", "revision"], true),
                index("panel_members", &["next_reminder_at"], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["scorecard_revisions"]).await?;
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_panel_members_next_reminder_at")
            .await?;
        for column in [
            "reminder_claimed_until",
            "reminder_claimed_by",
            "next_reminder_at",
            "reminders_sent",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("panel_members")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let (_, down) = enforce(manager.get_database_backend());
        run(manager, &down).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_triggers_test_the_new_row() {
        let (up, _) = enforce(DatabaseBackend::Sqlite);
        assert!(up.iter().any(|s| s.contains(
            "WHEN NOT (NEW.recommendation IS NULL OR NEW.recommendation IN ('strong_no'"
        )));
        assert!(
            up.iter()
                .any(|s| s.contains("WHEN NOT (NEW.score IS NULL OR NEW.score BETWEEN 1 AND 4)"))
        );
    }
}
