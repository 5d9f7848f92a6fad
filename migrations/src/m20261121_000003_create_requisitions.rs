//! Requisitions, candidates and their applications through the pipeline.

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
                    .table("requisitions")
                    .col(pk_auto("id"))
                    .col(integer("role_id"))
                    .col(string("title"))
                    .col(integer("hiring_manager_id"))
                    .col(integer("created_by"))
                    // open, on_hold, filled or closed
                    .col(string_len("status", 32).default("open"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "requisitions",
                        "role_id",
                        "roles",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "requisitions",
                        "hiring_manager_id",
                        "users",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "requisitions",
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
                    .table("candidates")
                    .col(pk_auto("id"))
                    .col(string("name"))
                    // Stored lower-cased: candidates are de-duplicated by email.
                    .col(string_uniq("email"))
                    .col(string("current_title").default(""))
                    .col(text("summary").default(""))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("applications")
                    .col(pk_auto("id"))
                    .col(integer("requisition_id"))
                    .col(integer("candidate_id"))
                    // sourced, screening, interviewing, decision, hired or withdrawn
                    .col(string_len("stage", 32).default("sourced"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "applications",
                        "requisition_id",
                        "requisitions",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "applications",
                        "candidate_id",
                        "candidates",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("requisitions", &["hiring_manager_id"], false),
                index("requisitions", &["role_id"], false),
                index("candidates", &["name"], false),
                index("candidates", &["current_title"], false),
                index("applications", &["requisition_id", "candidate_id"], true),
                index("applications", &["candidate_id"], false),
                index("applications", &["requisition_id", "stage"], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["applications", "candidates", "requisitions"]).await
    }
}
