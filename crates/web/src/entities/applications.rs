//! `applications`: a candidate on a requisition, at a pipeline stage.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub requisition_id: i32,
    pub candidate_id: i32,
    /// sourced, screening, interviewing, decision, hired or withdrawn
    pub stage: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::requisitions::Entity",
        from = "Column::RequisitionId",
        to = "super::requisitions::Column::Id"
    )]
    Requisition,
    #[sea_orm(
        belongs_to = "super::candidates::Entity",
        from = "Column::CandidateId",
        to = "super::candidates::Column::Id"
    )]
    Candidate,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::requisitions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Requisition.def()
    }
}

impl Related<super::candidates::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Candidate.def()
    }
}
