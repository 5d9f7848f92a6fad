//! `candidates`: people being considered, de-duplicated by (lower-cased) email.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub email: String,
    pub current_title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub location: String,
    /// Where the candidate came from: a referral, a job board, an event.
    pub source: String,
    /// The recruiting team's own notes; never shown to interviewers.
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
