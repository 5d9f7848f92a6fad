//! Roles from the seed data, and every version of each role's question bank.

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
                    .table("roles")
                    .col(pk_auto("id"))
                    .col(string_uniq("slug"))
                    .col(string_len("track", 8))
                    .col(string("title"))
                    // The whole role (names, summary, résumé lines...) as loaded from seed data.
                    .col(json("data"))
                    // Content hash of the current question bank version.
                    .col(string_len("current_version", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("question_bank_versions")
                    .col(pk_auto("id"))
                    .col(integer("role_id"))
                    .col(string_len("version", 64))
                    // The questions with their criteria and anchors, exactly as versioned.
                    .col(json("questions"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "question_bank_versions",
                        "role_id",
                        "roles",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("roles", &["track"], false),
                index("question_bank_versions", &["role_id", "version"], true),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["question_bank_versions", "roles"]).await
    }
}
