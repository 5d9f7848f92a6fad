//! `roles`: every role loaded from seed data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub track: String,
    pub title: String,
    /// The whole `attache_core::Role` as JSON.
    pub data: Json,
    /// Content hash of the current question bank.
    pub current_version: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::question_bank_versions::Entity")]
    QuestionBankVersions,
}

impl Related<super::question_bank_versions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::QuestionBankVersions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
