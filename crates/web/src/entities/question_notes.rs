//! `question_notes`: an interviewer's note on one question of a scorecard.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub scorecard_id: i32,
    pub question_id: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::scorecards::Entity",
        from = "Column::ScorecardId",
        to = "super::scorecards::Column::Id",
        on_delete = "Cascade"
    )]
    Scorecard,
}

impl ActiveModelBehavior for ActiveModel {}
