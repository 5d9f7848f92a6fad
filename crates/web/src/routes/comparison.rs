//! The hiring manager's comparison: the page, its CSV and its JSON, all rendered from the
//! one value core computes; the scorecards behind a candidate's row; and decisions.

use std::collections::BTreeMap;

use attache_core::comparison::{CandidateRow, Comparison, Stat};
use attache_core::{Stage, agreement::Flag};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::access::{Access, ApiRoutes, Routes};
use super::forms::{FieldErrors, Pairs};
use super::page::Page;
use super::requisitions::READERS;
use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::extract::{Form, Json, Path, Query};
use crate::services::comparison::{self as service, Decision, Recorded};
use crate::state::AppState;
use crate::templates::templates;

/// Who records decisions: the requisition's hiring manager (and admins).
pub(crate) const DECIDERS: Access = Access::Roles(&[UserRole::Admin, UserRole::HiringManager]);

pub fn routes() -> Routes {
    Routes::new()
        .get("/requisitions/{id}/comparison", READERS, page)
        .get("/requisitions/{id}/comparison.csv", READERS, csv)
        .get("/applications/{id}/scorecards", READERS, scorecards_page)
        .post("/applications/{id}/decision", DECIDERS, decide)
}

pub fn api_router() -> ApiRoutes {
    ApiRoutes::new()
        .route(READERS, routes!(comparison_api))
        .route(DECIDERS, routes!(decide_api))
}

/// How the page shows the comparison.
#[derive(Debug, Default, Deserialize)]
pub struct View {
    /// "adjusted" for leniency-adjusted scores; raw otherwise.
    scores: Option<String>,
    /// Only candidates at this stage.
    stage: Option<String>,
    /// score (default), name, flags or stage.
    sort: Option<String>,
}

/// A matrix cell: the value shown, the spread and n behind it, and its shade (1-4).
#[derive(Debug, Serialize)]
struct Cell {
    value: f64,
    spread: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    n: usize,
    shade: u8,
    flagged: bool,
}

fn shade(v: f64) -> u8 {
    // 1.0-1.75, -2.5, -3.25, above: four steps of one colour scale.
    (((v - 1.0) / 0.75).floor() as i64).clamp(0, 3) as u8 + 1
}

fn cell(stat: Option<&Stat>, adjusted: Option<f64>, flagged: bool) -> Option<Cell> {
    let stat = stat?;
    let value = adjusted.unwrap_or(stat.mean);
    Some(Cell {
        value,
        spread: Some(stat.spread),
        low: Some(stat.low),
        high: Some(stat.high),
        n: stat.n,
        shade: shade(value),
        flagged,
    })
}

/// One candidate's row as the page lays it out.
#[derive(Debug, Serialize)]
struct Row<'a> {
    c: &'a CandidateRow,
    stage_label: &'static str,
    score: Option<Cell>,
    competencies: Vec<Option<Cell>>,
    questions: Vec<Option<Cell>>,
    flags: Vec<String>,
}

fn flag_words(flag: &Flag, numbers: &BTreeMap<&str, usize>) -> String {
    match flag {
        Flag::QuestionSpread {
            question,
            low,
            high,
        } => format!(
            "Q{}: interviewers differ by {:.1} points ({low:.1} to {high:.1})",
            numbers.get(question.as_str()).copied().unwrap_or(0),
            high - low
        ),
        Flag::SplitRecommendation => "Split recommendation: some yes, some no".to_owned(),
    }
}

fn rows<'a>(comparison: &'a Comparison, view: &View) -> Vec<Row<'a>> {
    let adjusted = view.scores.as_deref() == Some("adjusted");
    let numbers: BTreeMap<&str, usize> = comparison
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.as_str(), i + 1))
        .collect();
    let stage = view.stage.as_deref().and_then(|s| s.parse::<Stage>().ok());
    let mut rows: Vec<Row<'a>> = comparison
        .candidates
        .iter()
        .filter(|c| stage.is_none_or(|s| c.stage == s.as_str()))
        .map(|c| {
            let spread_flags: Vec<&str> = c
                .flags
                .iter()
                .filter_map(|f| match f {
                    Flag::QuestionSpread { question, .. } => Some(question.as_str()),
                    Flag::SplitRecommendation => None,
                })
                .collect();
            let score = c.score.map(|raw| {
                let value = if adjusted {
                    c.adjusted_score.unwrap_or(raw)
                } else {
                    raw
                };
                Cell {
                    value,
                    spread: c.spread,
                    low: None,
                    high: None,
                    n: c.n,
                    shade: shade(value),
                    flagged: c.flags.contains(&Flag::SplitRecommendation),
                }
            });
            Row {
                c,
                stage_label: c.stage.parse::<Stage>().map_or("", Stage::label),
                score,
                competencies: comparison
                    .competencies
                    .iter()
                    .map(|k| {
                        let adj = adjusted
                            .then(|| c.adjusted_competencies.get(k).copied())
                            .flatten();
                        cell(c.competencies.get(k), adj, false)
                    })
                    .collect(),
                questions: comparison
                    .questions
                    .iter()
                    .map(|q| {
                        let adj = adjusted
                            .then(|| c.adjusted_questions.get(&q.id).copied())
                            .flatten();
                        cell(
                            c.questions.get(&q.id),
                            adj,
                            spread_flags.contains(&q.id.as_str()),
                        )
                    })
                    .collect(),
                flags: c.flags.iter().map(|f| flag_words(f, &numbers)).collect(),
            }
        })
        .collect();
    let key = |r: &Row<'_>| r.score.as_ref().map_or(f64::NEG_INFINITY, |s| s.value);
    match view.sort.as_deref() {
        Some("name") => rows.sort_by(|a, b| a.c.name.cmp(&b.c.name)),
        Some("flags") => rows.sort_by_key(|r| std::cmp::Reverse(r.flags.len())),
        Some("stage") => rows.sort_by_key(|r| r.c.stage.parse::<Stage>().ok()),
        _ => rows.sort_by(|a, b| key(b).total_cmp(&key(a))),
    }
    rows
}

/// An interviewer's leniency in words.
fn leniency_words(shrunk: Option<f64>, n: usize) -> String {
    match shrunk {
        None => "Shares no answer with another interviewer yet".to_owned(),
        Some(v) if v.abs() < 0.1 => format!("In line with the panel ({n} shared ratings)"),
        Some(v) if v > 0.0 => format!("Rates {v:.2} higher than the panel ({n} shared ratings)"),
        Some(v) => format!("Rates {:.2} lower than the panel ({n} shared ratings)", -v),
    }
}

async fn page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Query(view): Query<View>,
) -> Result<Html<String>> {
    let (requisition, comparison) = service::of_requisition(&state.db, &user, id).await?;
    // Candidates with no submitted scorecard yet are listed under the matrix, not in it.
    let (rows, unscored): (Vec<Row<'_>>, Vec<Row<'_>>) = rows(&comparison, &view)
        .into_iter()
        .partition(|r| r.score.is_some());
    let raters: Vec<_> = comparison
        .raters
        .iter()
        .map(|r| {
            let total = r.distribution.iter().sum::<usize>().max(1) as f64;
            let bars: Vec<f64> = r
                .distribution
                .iter()
                .map(|&n| n as f64 / total * 100.0)
                .collect();
            context! { r, words => leniency_words(r.leniency_shrunk, r.n), bars }
        })
        .collect();
    let scorecards: usize = comparison.candidates.iter().map(|c| c.scorecards).sum();
    // Per question: each candidate's panel score (the dots of its chart) and how far the
    // interviewers of one candidate differ on it, on average.
    let question_points: Vec<_> = comparison
        .questions
        .iter()
        .map(|q| {
            let stats: Vec<&Stat> = comparison
                .candidates
                .iter()
                .filter_map(|c| c.questions.get(&q.id))
                .collect();
            let points: Vec<f64> = stats.iter().map(|s| s.mean).collect();
            let within = stats
                .iter()
                .filter(|s| s.n >= 2)
                .map(|s| s.spread)
                .collect::<Vec<_>>();
            let within =
                (!within.is_empty()).then(|| within.iter().sum::<f64>() / within.len() as f64);
            context! { points, within }
        })
        .collect();
    let stages: Vec<_> = Stage::ALL
        .iter()
        .map(|s| context! { key => s.as_str(), label => s.label() })
        .collect();
    Ok(Html(templates().render(
        "requisitions/comparison.html",
        context! {
            page,
            requisition => context! { id => requisition.id, title => requisition.title },
            comparison,
            rows,
            unscored,
            question_points,
            raters,
            scorecards,
            stages,
            adjusted => view.scores.as_deref() == Some("adjusted"),
            stage => view.stage,
            sort => view.sort.unwrap_or_else(|| "score".to_owned()),
            level_names => attache_core::rubric::LEVEL_NAMES,
        },
    )?))
}

async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    let (_, comparison) = service::of_requisition(&state.db, &user, id).await?;
    let bytes = service::csv(&state.db, &user, id, &comparison).await?;
    Ok(super::requisition_pages::csv_download(
        &format!("requisition-{id}-comparison.csv"),
        bytes,
    ))
}

/// The scorecards behind a candidate's row, with the decision form.
async fn scorecards_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Query(done): Query<Done>,
) -> Result<Html<String>> {
    render_scorecards(
        &state,
        page,
        &user,
        id,
        &FieldErrors::new(),
        None,
        done.done,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn render_scorecards(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i32,
    errors: &FieldErrors,
    values: Option<&Pairs>,
    done: Option<String>,
) -> Result<Html<String>> {
    let behind = service::behind(&state.db, user, id).await?;
    let may_decide = matches!(user.role, UserRole::Admin | UserRole::HiringManager);
    let (_, comparison) = service::of_requisition(&state.db, user, behind.requisition_id).await?;
    let profile = profile(&comparison, i64::from(id));
    Ok(Html(templates().render(
        "requisitions/scorecards.html",
        context! {
            page,
            behind,
            profile,
            errors,
            may_decide,
            decision => values.map(|v| v.one("decision")),
            reason => values.map(|v| v.one("reason")),
            decisions => Decision::ALL.map(|d| context! { key => d.as_str(), label => d.label(), hint => d.hint() }),
            notice => done.filter(|d| d == "decided").map(|_| "Decision recorded. The recruiter sees it on the requisition and the candidate's page."),
            level_names => attache_core::rubric::LEVEL_NAMES,
        },
    )?))
}

/// A candidate's competency profile: their mean and range per competency, beside the
/// mean of every scored candidate on the requisition, for the chart.
fn profile(comparison: &Comparison, application_id: i64) -> Vec<minijinja::Value> {
    let Some(row) = comparison
        .candidates
        .iter()
        .find(|c| c.application_id == application_id)
    else {
        return Vec::new();
    };
    comparison
        .competencies
        .iter()
        .filter_map(|k| {
            let stat = row.competencies.get(k)?;
            let all: Vec<f64> = comparison
                .candidates
                .iter()
                .filter_map(|c| c.competencies.get(k).map(|s| s.mean))
                .collect();
            let everyone = all.iter().sum::<f64>() / all.len().max(1) as f64;
            Some(context! { name => k, stat, everyone, others => all.len() })
        })
        .collect()
}

async fn decide(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<Pairs>,
) -> Result<Response> {
    match service::decide(
        &state.db,
        &user,
        id,
        &form.one("decision"),
        &form.one("reason"),
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/applications/{id}/scorecards?done=decided")).into_response(),
        ),
        Err(AppError::Validation(errors)) => {
            let html =
                render_scorecards(&state, page, &user, id, &errors, Some(&form), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/requisitions/{id}/comparison",
    tag = "comparison",
    params(("id" = i32, Path, description = "The requisition's id")),
    responses(
        (status = 200, description = "Every candidate's scores, flags and recommendations; panel agreement; each interviewer's calibration", body = Comparison),
        (status = 404, description = "No such requisition, or not yours"),
    )
)]
async fn comparison_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Json<Comparison>> {
    Ok(Json(service::of_requisition(&state.db, &user, id).await?.1))
}

/// A decision on an application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// advance, hold, reject or offer.
    decision: String,
    /// Why; kept with the decision and in the audit log.
    reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/decision",
    tag = "comparison",
    params(("id" = i32, Path, description = "The application's id")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The decision, and the application's stage after it", body = Recorded),
        (status = 404, description = "No such application, or not yours"),
        (status = 422, description = "Not a decision, or no reason"),
    )
)]
async fn decide_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Json(body): Json<DecisionBody>,
) -> Result<Json<Recorded>> {
    Ok(Json(
        service::decide(&state.db, &user, id, &body.decision, &body.reason).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_step_through_the_scale() {
        assert_eq!(shade(1.0), 1);
        assert_eq!(shade(1.8), 2);
        assert_eq!(shade(2.6), 3);
        assert_eq!(shade(3.3), 4);
        assert_eq!(shade(4.0), 4);
    }
}
