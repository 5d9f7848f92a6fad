//! Scorecards, their criterion ratings, and hiring decisions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("scorecards")
                    .col(pk_auto("id"))
                    .col(integer("interview_id"))
                    .col(integer("interviewer_id"))
                    .col(integer("bank_version_id"))
                    // draft or submitted
                    .col(string_len("status", 16).default("draft"))
                    .col(string_len_null("recommendation", 16))
                    .col(text("summary").default(""))
                    // Bumped on every save, so a stale edit is refused instead of overwriting.
                    .col(integer("lock_version").default(0))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "scorecards",
                        "interview_id",
                        "interviews",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "scorecards",
                        "interviewer_id",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "scorecards",
                        "bank_version_id",
                        "question_bank_versions",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ratings")
                    .col(pk_auto("id"))
                    .col(integer("scorecard_id"))
                    .col(string("question_id"))
                    .col(string("criterion_id"))
                    // 1-4, or NULL for not assessed
                    .col(small_integer_null("score"))
                    .col(text("note").default(""))
                    .foreign_key(&mut fk(
                        "ratings",
                        "scorecard_id",
                        "scorecards",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("decisions")
                    .col(pk_auto("id"))
                    .col(integer("application_id"))
                    // advance, hold, reject or offer
                    .col(string_len("decision", 16))
                    .col(text("reason"))
                    .col(integer("decided_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "decisions",
                        "application_id",
                        "applications",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "decisions",
                        "decided_by",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("scorecards", &["interview_id", "interviewer_id"], true),
                index("scorecards", &["interviewer_id", "status"], false),
                index(
                    "ratings",
                    &["scorecard_id", "question_id", "criterion_id"],
                    true,
                ),
                index("decisions", &["application_id"], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["decisions", "ratings", "scorecards"]).await
    }
}
