//! An interviewer's note on a question as a whole (the scorecard form has one per
//! question), beside the ratings of its criteria.

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
                    .table("question_notes")
                    .col(pk_auto("id"))
                    .col(integer("scorecard_id"))
                    .col(string("question_id"))
                    .col(text("note"))
                    .foreign_key(&mut fk(
                        "question_notes",
                        "scorecard_id",
                        "scorecards",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                "question_notes",
                &["scorecard_id", "question_id"],
                true,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["question_notes"]).await
    }
}
