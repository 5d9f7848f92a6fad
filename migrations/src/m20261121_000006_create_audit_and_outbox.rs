//! The audit log and the transactional mail outbox.

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
                    .table("audit_events")
                    .col(pk_auto("id"))
                    .col(integer_null("actor_id"))
                    .col(string_len("action", 64))
                    .col(string_len("subject_type", 64))
                    .col(integer_null("subject_id"))
                    .col(json("detail"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "audit_events",
                        "actor_id",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("mail_outbox")
                    .col(pk_auto("id"))
                    .col(string("to_address"))
                    .col(string("subject"))
                    .col(text("text_body"))
                    .col(text("html_body"))
                    .col(blob_null("attachment"))
                    .col(string_null("attachment_name"))
                    // pending, sent or failed
                    .col(string_len("status", 16).default("pending"))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("audit_events", &["created_at"], false),
                index("audit_events", &["actor_id"], false),
                index("audit_events", &["subject_type", "subject_id"], false),
                index("mail_outbox", &["status", "next_attempt_at"], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["mail_outbox", "audit_events"]).await
    }
}
