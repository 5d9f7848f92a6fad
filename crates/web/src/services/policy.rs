//! Who may see which object. Route declarations say which roles reach a route; these
//! rules decide, for a signed-in user of such a role, which requisitions and candidates
//! are theirs. "Not yours" and "does not exist" get the same answer: not found.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::entities::{applications, requisitions};

/// Which requisitions a user may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every requisition (admins and recruiters).
    All,
    /// Only those this hiring manager owns.
    ManagedBy(i32),
    /// None (interviewers reach candidates only through their interviews).
    Nothing,
}

/// The requisitions `user` may see.
pub fn requisitions(user: &CurrentUser) -> Scope {
    match user.role {
        UserRole::Admin | UserRole::Recruiter => Scope::All,
        UserRole::HiringManager => Scope::ManagedBy(user.id),
        UserRole::Interviewer => Scope::Nothing,
    }
}

/// Whether `user` may see this requisition.
pub fn may_see_requisition(user: &CurrentUser, requisition: &requisitions::Model) -> bool {
    match requisitions(user) {
        Scope::All => true,
        Scope::ManagedBy(id) => requisition.hiring_manager_id == id,
        Scope::Nothing => false,
    }
}

/// Whether `user` may see this candidate: everyone on the recruiting team may; a hiring
/// manager only a candidate with an application on one of their requisitions.
///
/// # Errors
/// The database failed.
pub async fn may_see_candidate(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    candidate_id: i32,
) -> Result<bool, DbErr> {
    match requisitions(user) {
        Scope::All => Ok(true),
        Scope::Nothing => Ok(false),
        Scope::ManagedBy(manager) => {
            let found = applications::Entity::find()
                .inner_join(requisitions::Entity)
                .filter(applications::Column::CandidateId.eq(candidate_id))
                .filter(requisitions::Column::HiringManagerId.eq(manager))
                .select_only()
                .column(applications::Column::Id)
                .into_tuple::<i32>()
                .one(db)
                .await?;
            Ok(found.is_some())
        }
    }
}

/// Whether the user may change requisitions, candidates and stages.
pub fn may_edit(user: &CurrentUser) -> bool {
    matches!(user.role, UserRole::Admin | UserRole::Recruiter)
}
