//! `requisition_panel`: the interviewers a requisition's interviews start with.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requisition_panel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub requisition_id: i32,
    pub user_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
