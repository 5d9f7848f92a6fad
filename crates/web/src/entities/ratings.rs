//! `ratings`: one criterion's rating on a scorecard.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub scorecard_id: i32,
    pub question_id: String,
    pub criterion_id: String,
    /// 1-4, or `None` for not assessed.
    pub score: Option<i16>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::scorecards::Entity",
        from = "Column::ScorecardId",
        to = "super::scorecards::Column::Id"
    )]
    Scorecard,
}

impl Related<super::scorecards::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scorecard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
