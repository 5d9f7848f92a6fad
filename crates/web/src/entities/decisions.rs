//! `decisions`: a hiring manager's decision on an application, with the reason.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    /// advance, hold, reject or offer
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub decided_by: i32,
    pub created_at: DateTimeUtc,
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
