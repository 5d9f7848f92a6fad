//! The recruiter workspace's JSON API: requisitions, candidates and applications.
//! Each handler parses, calls one service, and answers; the services decide what the
//! caller may see.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::access::{Access, ApiRoutes};
use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::entities::{applications, candidates};
use crate::error::{FieldError, Result};
use crate::extract::{Json, Path, Query};
use crate::services::candidate_search::{self, Results, SearchQuery};
use crate::services::candidates::{self as candidate_service, CandidateInput};
use crate::services::requisitions::{self as requisition_service, Requisition, RequisitionInput};
use crate::state::AppState;

/// Who may change requisitions, candidates and stages.
pub(crate) const EDITORS: Access = Access::Roles(&[UserRole::Admin, UserRole::Recruiter]);
/// Who may read requisitions (hiring managers see only their own).
pub(crate) const READERS: Access = Access::Roles(&[
    UserRole::Admin,
    UserRole::Recruiter,
    UserRole::HiringManager,
]);

pub fn api_router() -> ApiRoutes {
    ApiRoutes::new()
        .route(EDITORS, routes!(create_requisition))
        .route(READERS, routes!(list_requisitions))
        .route(EDITORS, routes!(create_candidate))
        .route(READERS, routes!(search_candidates))
        .route(EDITORS, routes!(move_application))
}

/// A new requisition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequisition {
    /// The role's slug, e.g. "track-two-diplomacy-practitioner".
    role: String,
    title: String,
    /// The hiring manager's email.
    hiring_manager: String,
    /// Emails of the default interview panel.
    #[serde(default)]
    panel: Vec<String>,
    /// Question ids of the default interview kit; leave out for two questions per level.
    #[serde(default)]
    kit: Vec<String>,
}

/// A requisition as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionBody {
    id: i32,
    title: String,
    /// The role's slug.
    role: String,
    role_title: String,
    /// "open" or "closed".
    status: String,
    hiring_manager: PersonBody,
    panel: Vec<PersonBody>,
    /// Applications per stage: sourced, screening, interviewing, decision, hired, withdrawn.
    #[schema(value_type = std::collections::BTreeMap<String, u64>)]
    stages: std::collections::BTreeMap<String, u64>,
    #[schema(value_type = String, format = DateTime)]
    created_at: chrono::DateTime<chrono::Utc>,
}

/// A user as other users see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonBody {
    id: i32,
    name: String,
    email: String,
}

impl From<Requisition> for RequisitionBody {
    fn from(r: Requisition) -> Self {
        let person = |p: requisition_service::Person| PersonBody {
            id: p.id,
            name: p.name,
            email: p.email,
        };
        RequisitionBody {
            id: r.id,
            title: r.title,
            role: r.role,
            role_title: r.role_title,
            status: r.status.as_str().to_owned(),
            hiring_manager: person(r.hiring_manager),
            panel: r.panel.into_iter().map(person).collect(),
            stages: r
                .stages
                .into_iter()
                .map(|(s, n)| (s.as_str().to_owned(), n))
                .collect(),
            created_at: r.created_at,
        }
    }
}

/// Every requisition the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionList {
    requisitions: Vec<RequisitionBody>,
}

#[utoipa::path(
    post,
    path = "/api/v1/requisitions",
    tag = "requisitions",
    request_body = NewRequisition,
    responses(
        (status = 201, description = "The requisition, open", body = RequisitionBody),
        (status = 422, description = "A field is wrong; `error.fields` names each"),
    )
)]
async fn create_requisition(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<NewRequisition>,
) -> Result<(StatusCode, Json<RequisitionBody>)> {
    let input = RequisitionInput {
        role: body.role,
        title: body.title,
        hiring_manager: body.hiring_manager,
        panel: body.panel,
        kit: body.kit,
    };
    let r = requisition_service::create(&state.db, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/requisitions",
    tag = "requisitions",
    responses(
        (status = 200, description = "Open requisitions first, newest first; a hiring manager sees only their own", body = RequisitionList),
    )
)]
async fn list_requisitions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<RequisitionList>> {
    let requisitions = requisition_service::list(&state.db, &user)
        .await?
        .into_iter()
        .map(RequisitionBody::from)
        .collect();
    Ok(Json(RequisitionList { requisitions }))
}

/// A new candidate, optionally put on a requisition at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCandidate {
    name: String,
    email: String,
    #[serde(default)]
    current_title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    notes: String,
    requisition_id: Option<i32>,
}

/// A candidate as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateBody {
    id: i32,
    /// The application made with the candidate, if a requisition was given.
    application_id: Option<i32>,
    name: String,
    email: String,
    current_title: String,
    summary: String,
    location: String,
    source: String,
    notes: String,
}

impl CandidateBody {
    fn new(c: candidates::Model, application: Option<&applications::Model>) -> Self {
        CandidateBody {
            id: c.id,
            application_id: application.map(|a| a.id),
            name: c.name,
            email: c.email,
            current_title: c.current_title,
            summary: c.summary,
            location: c.location,
            source: c.source,
            notes: c.notes,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/candidates",
    tag = "requisitions",
    request_body = NewCandidate,
    responses(
        (status = 201, description = "The candidate (and application)", body = CandidateBody),
        (status = 409, description = "A candidate with this email exists (compared without regard to capitals)"),
        (status = 422, description = "A field is wrong, or the requisition is closed or not found"),
    )
)]
async fn create_candidate(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<NewCandidate>,
) -> Result<(StatusCode, Json<CandidateBody>)> {
    let input = CandidateInput {
        name: body.name,
        email: body.email,
        current_title: body.current_title,
        summary: body.summary,
        location: body.location,
        source: body.source,
        notes: body.notes,
    };
    let (candidate, application) = candidate_service::create(
        &state.db,
        &state.taxonomy,
        &user,
        &input,
        body.requisition_id,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CandidateBody::new(candidate, application.as_ref())),
    ))
}

/// A stage move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationChange {
    /// sourced, screening, interviewing, decision, hired or withdrawn.
    stage: String,
    /// Why; kept in the audit log.
    #[serde(default)]
    reason: String,
}

/// An application as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationBody {
    id: i32,
    candidate_id: i32,
    requisition_id: i32,
    stage: String,
}

#[utoipa::path(
    patch,
    path = "/api/v1/applications/{id}",
    tag = "requisitions",
    params(("id" = i32, Path, description = "The application's id")),
    request_body = ApplicationChange,
    responses(
        (status = 200, description = "The application at its new stage", body = ApplicationBody),
        (status = 404, description = "No such application, or not yours"),
        (status = 422, description = "Not a stage, or the reason is too long"),
    )
)]
async fn move_application(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Json(body): Json<ApplicationChange>,
) -> Result<Json<ApplicationBody>> {
    let stage = crate::fields::stage(&body.stage)?;
    let a = candidate_service::move_stage(&state.db, &user, id, stage, &body.reason).await?;
    Ok(Json(ApplicationBody {
        id: a.id,
        candidate_id: a.candidate_id,
        requisition_id: a.requisition_id,
        stage: a.stage,
    }))
}

/// Query parameters of the candidate search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateSearchParams {
    /// Name, email, title or summary words; a role's name or synonym ("Track II") also
    /// finds every other name of that role.
    #[serde(default)]
    q: String,
    /// Only candidates on this requisition.
    requisition: Option<i32>,
    /// Only candidates at this stage (on the requisition, if one is given).
    stage: Option<String>,
    /// 1-based; 25 per page.
    #[param(minimum = 1)]
    page: Option<i32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/candidates",
    tag = "requisitions",
    params(CandidateSearchParams),
    responses(
        (status = 200, description = "Best matches first, 25 per page, each saying what matched; `role` is set when the query named one", body = Results),
        (status = 422, description = "Not a stage, a page below 1, or the query is too long"),
    )
)]
async fn search_candidates(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<CandidateSearchParams>,
) -> Result<Json<Results>> {
    let stage = match p.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(crate::fields::stage(s)?),
    };
    let page = match p.page.map(u64::try_from) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return Err(FieldError::new("page", "Pages are numbered from 1.").into()),
    };
    let query = SearchQuery {
        q: p.q,
        requisition: p.requisition,
        stage,
        page,
    };
    Ok(Json(
        candidate_search::search(&state.db, &state.taxonomy, &user, &query).await?,
    ))
}
