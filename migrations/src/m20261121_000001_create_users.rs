//! Users, their sessions and their API tokens.

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
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_uniq("email"))
                    .col(string("name"))
                    // admin, recruiter, interviewer or hiring_manager
                    .col(string_len("role", 32))
                    .col(string_null("password_hash"))
                    .col(boolean("active").default(true))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(string_len("id", 128).primary_key())
                    .col(blob("data"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(string_len_uniq("token_hash", 128))
                    .col(string("name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk(
                        "api_tokens",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("sessions", &["expires_at"], false),
                index("api_tokens", &["user_id"], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["api_tokens", "sessions", "users"]).await
    }
}
