//! Candidate pages: search (with role names expanded), the form to add or edit a
//! candidate, their page with every application, interview and decision, putting them on
//! a requisition, and moving an application to another stage.

use attache_core::Stage;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::access::Routes;
use super::forms::{FieldErrors, unprocessable};
use super::page::Page;
use super::requisitions::{EDITORS, READERS};
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path, Query};
use crate::services::candidate_search::{self, SearchQuery};
use crate::services::candidates::{self as service, CandidateInput};
use crate::services::{interviews, policy, requisitions as requisition_service};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/candidates", READERS, search_page)
        .get("/candidates/new", EDITORS, new_page)
        .post("/candidates", EDITORS, create)
        .get("/candidates/{id}", READERS, show_page)
        .get("/candidates/{id}/edit", EDITORS, edit_page)
        .post("/candidates/{id}", EDITORS, update)
        .post("/candidates/{id}/applications", EDITORS, add_to_requisition)
        .post("/applications/{id}/stage", EDITORS, move_stage)
}

fn stage_choices() -> Vec<minijinja::Value> {
    Stage::ALL
        .iter()
        .map(|s| context! { key => s.as_str(), label => s.label() })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    requisition: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    page: String,
}

async fn search_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(p): Query<SearchParams>,
) -> Result<Response> {
    let query = SearchQuery {
        q: p.q.clone(),
        requisition: p.requisition.trim().parse().ok(),
        stage: p.stage.trim().parse().ok(),
        page: p.page.trim().parse().unwrap_or(1),
    };
    let requisitions = requisition_service::list(&state.db, &user).await?;
    let (results, error) =
        match candidate_search::search(&state.db, &state.taxonomy, &user, &query).await {
            Ok(r) => (Some(r), None),
            Err(AppError::Validation(e)) => (None, Some(e.to_string())),
            Err(e) => return Err(e),
        };
    let error_shown = error.is_some();
    // Links to other pages keep the filters.
    let filters = format!(
        "q={}&requisition={}&stage={}",
        urlencode(&p.q),
        query.requisition.map(|r| r.to_string()).unwrap_or_default(),
        query.stage.map(Stage::as_str).unwrap_or_default()
    );
    let html = templates().render(
        "candidates/search.html",
        context! {
            page,
            q => p.q,
            requisition => query.requisition,
            stage => query.stage.map(Stage::as_str),
            requisitions,
            stages => stage_choices(),
            results,
            error,
            filters,
            may_edit => policy::may_edit(&user),
        },
    )?;
    let failed = error_shown;

    Ok(if failed {
        unprocessable(html)
    } else {
        Html(html).into_response()
    })
}

fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Debug, Deserialize, Default)]
pub struct CandidateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
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
    #[serde(default)]
    requisition: String,
}

impl CandidateForm {
    fn input(&self) -> CandidateInput {
        CandidateInput {
            name: self.name.clone(),
            email: self.email.clone(),
            current_title: self.current_title.clone(),
            summary: self.summary.clone(),
            location: self.location.clone(),
            source: self.source.clone(),
            notes: self.notes.clone(),
        }
    }
}

async fn render_form(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: Option<i32>,
    form: &CandidateForm,
    errors: &FieldErrors,
    conflict: Option<String>,
) -> Result<String> {
    let requisitions: Vec<_> = requisition_service::list(&state.db, user)
        .await?
        .into_iter()
        .filter(|r| r.status == attache_core::RequisitionStatus::Open)
        .collect();
    templates().render(
        "candidates/form.html",
        context! {
            page,
            id,
            form => context! {
                name => form.name,
                email => form.email,
                current_title => form.current_title,
                summary => form.summary,
                location => form.location,
                source => form.source,
                notes => form.notes,
                requisition => form.requisition,
            },
            requisitions,
            errors,
            conflict,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct NewParams {
    #[serde(default)]
    requisition: String,
}

async fn new_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(p): Query<NewParams>,
) -> Result<Html<String>> {
    let form = CandidateForm {
        requisition: p.requisition,
        ..Default::default()
    };
    Ok(Html(
        render_form(&state, page, &user, None, &form, &FieldErrors::new(), None).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Form(form): Form<CandidateForm>,
) -> Result<Response> {
    let requisition = form.requisition.trim().parse::<i32>().ok();
    match service::create(
        &state.db,
        &state.taxonomy,
        &user,
        &form.input(),
        requisition,
    )
    .await
    {
        Ok((c, _)) => {
            Ok(Redirect::to(&format!("/candidates/{}?done=created", c.id)).into_response())
        }
        Err(e) => form_again(&state, page, &user, None, &form, e).await,
    }
}

/// The form again after a failed save: 422 with a message per field, or 409 with the
/// conflict (an email another candidate has) above the form; other errors pass on.
async fn form_again(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: Option<i32>,
    form: &CandidateForm,
    error: AppError,
) -> Result<Response> {
    match error {
        AppError::Validation(mut errors) => {
            if let Some(m) = errors.0.remove("requisition_id") {
                errors.insert("requisition", m);
            }
            let html = render_form(state, page, user, id, form, &errors, None).await?;
            Ok(unprocessable(html))
        }
        AppError::Conflict { message, .. } => {
            let no_errors = FieldErrors::new();
            let html = render_form(state, page, user, id, form, &no_errors, Some(message)).await?;
            Ok((axum::http::StatusCode::CONFLICT, Html(html)).into_response())
        }
        e => Err(e),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Html<String>> {
    let c = service::find_visible(&state.db, &user, id).await?;
    let form = CandidateForm {
        name: c.name,
        email: c.email,
        current_title: c.current_title,
        summary: c.summary,
        location: c.location,
        source: c.source,
        notes: c.notes,
        requisition: String::new(),
    };
    Ok(Html(
        render_form(
            &state,
            page,
            &user,
            Some(id),
            &form,
            &FieldErrors::new(),
            None,
        )
        .await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<CandidateForm>,
) -> Result<Response> {
    match service::update(&state.db, &state.taxonomy, &user, id, &form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/candidates/{id}?done=saved")).into_response()),
        Err(e) => form_again(&state, page, &user, Some(id), &form, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn show_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Query(q): Query<Done>,
) -> Result<Html<String>> {
    render_show(&state, page, &user, id, q.done.as_deref(), None).await
}

async fn render_show(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i32,
    done: Option<&str>,
    error: Option<String>,
) -> Result<Html<String>> {
    let candidate = service::find_visible(&state.db, user, id).await?;
    let rows = service::applications_of(&state.db, user, id).await?;
    let on: Vec<i32> = rows.iter().map(|(_, r)| r.id).collect();
    let applications: Vec<_> = rows
        .into_iter()
        .map(|(a, r)| {
            let stage: Stage = a.stage.parse().unwrap_or(Stage::Sourced);
            context! {
                id => a.id,
                stage => stage.as_str(),
                stage_label => stage.label(),
                requisition_id => r.id,
                requisition => r.title,
                open => r.status == attache_core::RequisitionStatus::Open.as_str(),
            }
        })
        .collect();
    let open_requisitions: Vec<_> = requisition_service::list(&state.db, user)
        .await?
        .into_iter()
        .filter(|r| r.status == attache_core::RequisitionStatus::Open && !on.contains(&r.id))
        .collect();
    let interviews = interviews::of_candidate(&state.db, &state.taxonomy, user, id).await?;
    let decisions = service::decisions_of(&state.db, user, id).await?;
    let notice = match done {
        Some("created") => Some("Candidate added."),
        Some("saved") => Some("Changes saved."),
        Some("added") => Some("Added to the requisition at “Sourced”."),
        Some("moved") => Some("Stage changed."),
        _ => None,
    };
    let html = templates().render(
        "candidates/show.html",
        context! {
            page,
            candidate => context! {
                id => candidate.id,
                name => candidate.name,
                email => candidate.email,
                current_title => candidate.current_title,
                summary => candidate.summary,
                location => candidate.location,
                source => candidate.source,
                notes => candidate.notes,
            },
            applications,
            open_requisitions,
            interviews,
            decisions,
            stages => stage_choices(),
            notice,
            error,
            may_edit => policy::may_edit(user),
        },
    )?;
    Ok(Html(html))
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    requisition: String,
}

async fn add_to_requisition(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<AddForm>,
) -> Result<Response> {
    let Ok(requisition) = form.requisition.trim().parse::<i32>() else {
        let html = render_show(
            &state,
            page,
            &user,
            id,
            None,
            Some("Choose a requisition.".to_owned()),
        )
        .await?;
        return Ok(unprocessable(html.0));
    };
    match service::apply(&state.db, &user, id, requisition).await {
        Ok(_) => Ok(Redirect::to(&format!("/candidates/{id}?done=added")).into_response()),
        Err(AppError::Validation(e)) => {
            let html = render_show(&state, page, &user, id, None, Some(e.to_string())).await?;
            Ok(unprocessable(html.0))
        }
        Err(AppError::Conflict { message, .. }) => {
            let html = render_show(&state, page, &user, id, None, Some(message)).await?;
            Ok((axum::http::StatusCode::CONFLICT, html).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct StageForm {
    stage: String,
    #[serde(default)]
    reason: String,
    /// Where to go back to: "requisition" or "candidate".
    #[serde(default)]
    back: String,
}

async fn move_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<StageForm>,
) -> Result<Response> {
    let stage: Stage = form.stage.parse().map_err(|_| {
        let mut e = FieldErrors::new();
        e.insert("stage", "Choose a stage from the list.");
        AppError::Validation(e)
    })?;
    let a = service::move_stage(&state.db, &user, id, stage, &form.reason).await?;
    let to = if form.back == "candidate" {
        format!("/candidates/{}?done=moved", a.candidate_id)
    } else {
        format!(
            "/requisitions/{}?done=moved#stage-{}",
            a.requisition_id,
            stage.as_str()
        )
    };
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn filters_are_url_encoded() {
        assert_eq!(
            super::urlencode("Track II & co/é"),
            "Track+II+%26+co%2F%C3%A9"
        );
    }
}
