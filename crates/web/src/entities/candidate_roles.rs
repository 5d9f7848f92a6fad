//! `candidate_roles`: which roles a candidate's title or summary names, for candidate
//! search by role.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub candidate_id: i32,
    pub role_slug: String,
    /// 0: the current title names the role; 1: the summary does.
    pub field: i16,
    /// The role's name that was found.
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::candidates::Entity",
        from = "Column::CandidateId",
        to = "super::candidates::Column::Id",
        on_delete = "Cascade"
    )]
    Candidate,
}

impl ActiveModelBehavior for ActiveModel {}
