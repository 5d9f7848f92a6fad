//! `kit_questions`: the questions chosen for an interview, in order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kit_questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub interview_id: i32,
    pub question_id: String,
    pub position: i32,
    /// The interviewer this question is a focus for, if any.
    pub focus_user_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::interviews::Entity",
        from = "Column::InterviewId",
        to = "super::interviews::Column::Id"
    )]
    Interview,
}

impl ActiveModelBehavior for ActiveModel {}
