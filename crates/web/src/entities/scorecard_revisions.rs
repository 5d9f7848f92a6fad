//! `scorecard_revisions`: a submitted scorecard as it was, kept when it is amended.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecard_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub scorecard_id: i32,
    /// 1 for the scorecard as first submitted, then one more per amendment.
    pub revision: i32,
    /// The scorecard and its ratings as they were.
    pub snapshot: Json,
    pub actor_id: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub created_at: DateTimeUtc,
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
