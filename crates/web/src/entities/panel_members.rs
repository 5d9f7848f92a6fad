//! `panel_members`: who interviews in an interview.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub interview_id: i32,
    pub user_id: i32,
    /// Scorecard reminders sent to this interviewer for this interview.
    pub reminders_sent: i32,
    /// When the next reminder is due; none once the scorecard is in or five were sent.
    pub next_reminder_at: Option<DateTimeUtc>,
    /// The instance that has claimed the due reminder, and until when.
    pub reminder_claimed_by: Option<String>,
    pub reminder_claimed_until: Option<DateTimeUtc>,
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
