//! Interviews, their panels and the question kit each panel uses.

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
                    .table("interviews")
                    .col(pk_auto("id"))
                    .col(integer("application_id"))
                    // The bank version the kit was drawn from and is scored against.
                    .col(integer("bank_version_id"))
                    .col(timestamp_with_time_zone("scheduled_at"))
                    .col(integer("duration_minutes"))
                    .col(string("location").default(""))
                    .col(integer("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "interviews",
                        "application_id",
                        "applications",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "interviews",
                        "bank_version_id",
                        "question_bank_versions",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "interviews",
                        "created_by",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("panel_members")
                    .col(pk_auto("id"))
                    .col(integer("interview_id"))
                    .col(integer("user_id"))
                    .foreign_key(&mut fk(
                        "panel_members",
                        "interview_id",
                        "interviews",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "panel_members",
                        "user_id",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("kit_questions")
                    .col(pk_auto("id"))
                    .col(integer("interview_id"))
                    .col(string("question_id"))
                    .col(integer("position"))
                    // Set when the question is one interviewer's focus.
                    .col(integer_null("focus_user_id"))
                    .foreign_key(&mut fk(
                        "kit_questions",
                        "interview_id",
                        "interviews",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "kit_questions",
                        "focus_user_id",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("interviews", &["application_id"], false),
                index("interviews", &["scheduled_at"], false),
                index("panel_members", &["interview_id", "user_id"], true),
                index("panel_members", &["user_id"], false),
                index("kit_questions", &["interview_id", "question_id"], true),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["kit_questions", "panel_members", "interviews"]).await
    }
}
