//! The scorecard API: an interviewer saves a draft, submits, amends with a reason, and
//! reads the scorecards the blind rule lets them see.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::access::{Access, ApiRoutes};
use crate::auth::current::CurrentUser;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::services::scorecards::{self as service, Scorecard, ScorecardInput};
use crate::state::AppState;

pub fn api_router() -> ApiRoutes {
    ApiRoutes::new()
        .route(Access::SignedIn, routes!(save_draft))
        .route(Access::SignedIn, routes!(submit))
        .route(Access::SignedIn, routes!(amend))
        .route(Access::SignedIn, routes!(list))
}

#[utoipa::path(
    put,
    path = "/api/v1/interviews/{id}/scorecard",
    tag = "scorecards",
    params(("id" = i32, Path, description = "The interview's id")),
    request_body = ScorecardInput,
    responses(
        (status = 200, description = "The caller's draft, saved", body = Scorecard),
        (status = 404, description = "No such interview, or the caller is not on its panel"),
        (status = 409, description = "Submitted already, or saved from another page since `lock_version`"),
        (status = 422, description = "A question, criterion or score that is not this kit's"),
    )
)]
async fn save_draft(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Json(body): Json<ScorecardInput>,
) -> Result<Json<Scorecard>> {
    Ok(Json(
        service::save_draft(&state.db, &user, id, &body).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/interviews/{id}/scorecard/submit",
    tag = "scorecards",
    params(("id" = i32, Path, description = "The interview's id")),
    request_body = ScorecardInput,
    responses(
        (status = 200, description = "Submitted and locked (the same content again returns it unchanged)", body = Scorecard),
        (status = 404, description = "No such interview, or the caller is not on its panel"),
        (status = 409, description = "Submitted already with other content: amend it instead"),
        (status = 422, description = "A bad rating, or no recommendation"),
    )
)]
async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Json(body): Json<ScorecardInput>,
) -> Result<Json<Scorecard>> {
    Ok(Json(
        service::submit(&state.db, &state.mail, &user, id, &body).await?,
    ))
}

/// An amendment: the scorecard as it should now be, and why.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    scorecard: ScorecardInput,
    /// Kept in the audit log with the earlier version.
    reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/interviews/{id}/scorecard/amend",
    tag = "scorecards",
    params(("id" = i32, Path, description = "The interview's id")),
    request_body = Amendment,
    responses(
        (status = 200, description = "Amended; the earlier version is kept", body = Scorecard),
        (status = 404, description = "No such interview, or the caller is not on its panel"),
        (status = 409, description = "Not submitted yet"),
        (status = 422, description = "No reason, a bad rating, or no recommendation"),
    )
)]
async fn amend(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Json(body): Json<Amendment>,
) -> Result<Json<Scorecard>> {
    Ok(Json(
        service::amend(&state.db, &user, id, &body.scorecard, &body.reason).await?,
    ))
}

/// The scorecards the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardList {
    scorecards: Vec<Scorecard>,
}

#[utoipa::path(
    get,
    path = "/api/v1/interviews/{id}/scorecards",
    tag = "scorecards",
    params(("id" = i32, Path, description = "The interview's id")),
    responses(
        (status = 200, description = "Blind review: an interviewer sees only their own until it is submitted; admins, recruiters and the hiring manager see every submitted one", body = ScorecardList),
        (status = 404, description = "No such interview, or not the caller's"),
    )
)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Json<ScorecardList>> {
    Ok(Json(ScorecardList {
        scorecards: service::visible(&state.db, &user, id).await?,
    }))
}
