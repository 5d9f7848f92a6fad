//! What the recruiter workspace needs: a candidate's location, source and private notes,
//! and each requisition's default interview panel.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added to `candidates`, one ALTER each (SQLite adds one column at a time).
fn candidate_columns() -> Vec<ColumnDef> {
    vec![
        string("location").default("").to_owned(),
        string("source").default("").to_owned(),
        text("notes").default("").to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in candidate_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table("candidates")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("requisition_panel")
                    .col(pk_auto("id"))
                    .col(integer("requisition_id"))
                    .col(integer("user_id"))
                    .foreign_key(&mut fk(
                        "requisition_panel",
                        "requisition_id",
                        "requisitions",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "requisition_panel",
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
                index("requisition_panel", &["requisition_id", "user_id"], true),
                index("requisition_panel", &["user_id"], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["requisition_panel"]).await?;
        for column in ["notes", "source", "location"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("candidates")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
