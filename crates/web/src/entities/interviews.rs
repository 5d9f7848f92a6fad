//! `interviews`: a scheduled interview of an application, scored against one bank version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub bank_version_id: i32,
    pub scheduled_at: DateTimeUtc,
    pub duration_minutes: i32,
    /// A room or a video link.
    pub location: String,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    /// The IANA time zone the interview was scheduled in ("Europe/Vienna").
    pub time_zone: String,
    /// scheduled or cancelled
    pub status: String,
    /// The iCalendar SEQUENCE: one more with every update sent.
    pub sequence: i32,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::applications::Entity",
        from = "Column::ApplicationId",
        to = "super::applications::Column::Id"
    )]
    Application,
}

impl ActiveModelBehavior for ActiveModel {}
