//! `scorecards`: one interviewer's scoring of one interview.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub interview_id: i32,
    pub interviewer_id: i32,
    pub bank_version_id: i32,
    /// draft or submitted
    pub status: String,
    /// strong_no, no, yes or strong_yes
    pub recommendation: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// Bumped on every save; a stale edit is refused.
    pub lock_version: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::interviews::Entity",
        from = "Column::InterviewId",
        to = "super::interviews::Column::Id"
    )]
    Interview,
    #[sea_orm(has_many = "super::ratings::Entity")]
    Ratings,
}

impl Related<super::ratings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ratings.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
