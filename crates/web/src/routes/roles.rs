//! Role search and role pages, as HTML and as JSON.

use attache_core::search::{MAX_LIMIT, SearchResponse, highlight};
use attache_core::{RoleDetail, RoleList, Taxonomy, Track};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use utoipa_axum::routes;

use super::access::{Access, ApiRoutes, Routes};
use super::page::Page;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::fields;
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/roles", Access::SignedIn, search_page)
        .get("/roles/{slug}", Access::SignedIn, role_page)
        .get("/roles/{slug}/kit", Access::SignedIn, kit_page)
}

/// Every role, grouped by track, each with the first sentence of its summary: the page
/// shown before anything is searched.
pub(crate) fn catalogue(taxonomy: &Taxonomy) -> Vec<minijinja::Value> {
    Track::ALL
        .iter()
        .filter_map(|&track| {
            let mut roles: Vec<_> = taxonomy
                .roles()
                .iter()
                .filter(|r| r.track == track)
                .collect();
            roles.sort_by(|a, b| a.title.cmp(&b.title));
            (!roles.is_empty()).then(|| {
                let roles: Vec<_> = roles
                    .iter()
                    .map(|r| context! { slug => r.slug, title => r.title, line => r.one_line() })
                    .collect();
                context! { track => track.as_str(), description => track.description(), roles }
            })
        })
        .collect()
}

/// Every role, or the roles matching a query: `GET /api/v1/roles`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum RolesAnswer<'a> {
    /// Without `q`: every role.
    All(RoleList<'a>),
    /// With `q`: the matching roles, best first.
    Matching(SearchResponse),
}

pub fn api_router() -> ApiRoutes {
    ApiRoutes::new()
        .route(Access::SignedIn, routes!(search_roles))
        .route(Access::SignedIn, routes!(get_role))
}

/// Query parameters of role search. Taken as text and checked here, so a bad value gets
/// a clear message rather than a framework rejection.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// What to search for: any title, synonym, abbreviation or misspelling.
    q: Option<String>,
    /// At most this many results, 1-100 (default 10).
    limit: Option<String>,
}

const DEFAULT_LIMIT: usize = 10;

fn parse_limit(limit: Option<&str>) -> Result<usize> {
    match limit.map(str::trim) {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<usize>() {
            Ok(n @ 1..=MAX_LIMIT) => Ok(n),
            _ => Err(AppError::bad_request(
                "invalid_limit",
                format!("limit must be a whole number from 1 to {MAX_LIMIT}, not {s:?}"),
            )),
        },
    }
}

/// Every role, or, with `q`, the roles matching any title, synonym, abbreviation,
/// misspelling or description of the work.
#[utoipa::path(
    get,
    path = "/api/v1/roles",
    tag = "roles",
    params(SearchParams),
    responses(
        (status = 200, description = "Without q: every role (`roles`). With q: the matching roles, best first (`results`), empty when nothing is relevant", body = RolesAnswer),
        (status = 400, description = "A bad limit"),
        (status = 422, description = "The query is longer than 200 characters"),
    )
)]
async fn search_roles(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response> {
    let limit = parse_limit(params.limit.as_deref())?;
    let q = fields::optional(fields::SEARCH_QUERY, params.q.as_deref().unwrap_or(""))?;
    let answer = match &q {
        Some(q) => RolesAnswer::Matching(state.taxonomy.search(q, limit)),
        None => RolesAnswer::All(state.taxonomy.list()),
    };
    Ok(Json(answer).into_response())
}

/// A role with its names, summary, sourcing string and question bank.
#[utoipa::path(
    get,
    path = "/api/v1/roles/{slug}",
    tag = "roles",
    params(("slug" = String, Path, description = "The role's slug")),
    responses(
        (status = 200, description = "The role", body = RoleDetail),
        (status = 404, description = "No role has this slug"),
    )
)]
async fn get_role(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let role = state
        .taxonomy
        .role(&slug)
        .ok_or_else(|| AppError::NotFound(format!("no role has the slug {slug:?}")))?;
    let body = serde_json::to_value(RoleDetail::from(role)).map_err(anyhow::Error::from)?;
    Ok(Json(body))
}

/// The search page; htmx requests get just the results fragment (so the response varies
/// with `HX-Request`, and says so to caches).
async fn search_page(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Result<Response> {
    let q = fields::optional(fields::SEARCH_QUERY, params.q.as_deref().unwrap_or(""))?
        .unwrap_or_default();
    let response = state.taxonomy.search(&q, 20);
    let results: Vec<_> = response
        .results
        .iter()
        .map(|hit| {
            let segments = highlight(&hit.matched.text, &q);
            // The marked words say what matched; where none could be marked (a word
            // matched through its stem or an irregular form), say which words did.
            let words: &[String] = if segments.iter().any(|s| s.mark) {
                &[]
            } else {
                &hit.matched.words
            };
            context! {
                slug => hit.slug,
                title => hit.title,
                track => hit.track.as_str(),
                field => hit.matched.field.describe(),
                segments,
                words,
            }
        })
        .collect();
    let searched = !q.trim().is_empty();
    let catalogue = if searched {
        Vec::new()
    } else {
        catalogue(&state.taxonomy)
    };
    let ctx =
        context! { page, q, results, searched, catalogue, count => state.taxonomy.roles().len() };
    let name = if super::is_htmx(&headers) {
        "roles/_results.html"
    } else {
        "roles/search.html"
    };
    let html = templates().render(name, ctx)?;
    Ok(([(header::VARY, "HX-Request")], Html(html)).into_response())
}

/// The role's questions by level, for the templates.
fn levels(role: &attache_core::Role) -> Vec<minijinja::Value> {
    attache_core::Level::ALL
        .iter()
        .map(|&level| {
            context! {
                name => level.as_str(),
                questions => role.questions_at(level).collect::<Vec<_>>(),
            }
        })
        .filter(|l| {
            l.get_attr("questions")
                .is_ok_and(|q| q.len().unwrap_or(0) > 0)
        })
        .collect()
}

fn find_role<'a>(state: &'a AppState, slug: &str) -> Result<&'a attache_core::Role> {
    state
        .taxonomy
        .role(slug)
        .ok_or_else(|| AppError::NotFound(format!("No role has the address {slug:?}.")))
}

/// A role: what it is, what it is called, and its interview questions with rubrics.
async fn role_page(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Html<String>> {
    render_role(&state, page, &slug, "roles/show.html")
}

/// The role's questions as a kit to print and take into an interview: every question
/// with what to look for and its rubric, space for notes, and nothing else.
async fn kit_page(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Html<String>> {
    render_role(&state, page, &slug, "roles/kit.html")
}

/// Render a template about one role, with its questions by level.
fn render_role(state: &AppState, page: Page, slug: &str, template: &str) -> Result<Html<String>> {
    let role = find_role(state, slug)?;
    let ctx = context! {
        page,
        role => RoleDetail::from(role),
        levels => levels(role),
        level_names => attache_core::rubric::LEVEL_NAMES,
    };
    Ok(Html(templates().render(template, ctx)?))
}
