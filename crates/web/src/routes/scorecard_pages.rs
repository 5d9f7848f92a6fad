//! The scorecard form: every criterion of the kit with its four anchors beside the choice,
//! a note per question, a recommendation and a summary. Drafts save as the interviewer
//! types (htmx) and with a Save button without JavaScript; Submit checks and locks.

use std::collections::BTreeMap;

use attache_core::rubric::LEVEL_NAMES;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::access::{Access, Routes};
use super::forms::{FieldErrors, Pairs};
use super::page::Page;
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path, Query};
use crate::services::interviews;
use crate::services::scorecards::{self as service, RatingInput, Scorecard, ScorecardInput};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/interviews/{id}/scorecard", Access::SignedIn, form_page)
        .post("/interviews/{id}/scorecard", Access::SignedIn, save)
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
    /// Show the submitted scorecard as a form to amend.
    amend: Option<String>,
}

/// The form's values: (question, criterion) to "1".."4" or "na", notes, recommendation,
/// summary and the draft's version.
fn values(card: Option<&Scorecard>, input: Option<&ScorecardInput>) -> minijinja::Value {
    let (ratings, notes, recommendation, summary, lock_version) = match (input, card) {
        (Some(i), c) => (
            i.ratings.clone(),
            i.notes.clone(),
            i.recommendation.clone(),
            i.summary.clone(),
            c.map_or(0, |c| c.lock_version),
        ),
        (None, Some(c)) => (
            c.ratings.clone(),
            c.notes.clone(),
            c.recommendation.clone(),
            c.summary.clone(),
            c.lock_version,
        ),
        (None, None) => (Vec::new(), BTreeMap::new(), None, String::new(), 0),
    };
    let scores: BTreeMap<String, String> = ratings
        .iter()
        .map(|r| {
            (
                format!("{}::{}", r.question, r.criterion),
                r.score.map_or("na".to_owned(), |s| s.to_string()),
            )
        })
        .collect();
    context! { scores, notes, recommendation, summary, lock_version }
}

/// How the page shows the scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A draft form, or the submitted scorecard read-only.
    Normal,
    /// The submitted scorecard as a form, with a reason to give.
    Amend,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i32,
    input: Option<&ScorecardInput>,
    errors: &FieldErrors,
    message: Option<&str>,
    mode: Mode,
) -> Result<String> {
    let interview = interviews::get(&state.db, &state.taxonomy, user, id).await?;
    let (version, questions) = service::kit(&state.db, user, id).await?;
    let mine = service::mine(&state.db, user, id).await?;
    let submitted = mine.as_ref().is_some_and(|c| c.status == "submitted");
    let others: Vec<Scorecard> = if submitted {
        service::visible(&state.db, user, id)
            .await?
            .into_iter()
            .filter(|c| c.interviewer_email != user.email)
            .collect()
    } else {
        Vec::new()
    };
    let focus = interview.focus_names();
    templates().render(
        "scorecards/form.html",
        context! {
            page,
            interview,
            questions,
            version,
            focus,
            level_names => LEVEL_NAMES,
            values => values(mine.as_ref(), input),
            submitted,
            mine,
            others,
            errors,
            message,
            amending => submitted && mode == Mode::Amend,
        },
    )
}

async fn form_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Query(q): Query<Done>,
) -> Result<Html<String>> {
    let message = match q.done.as_deref() {
        Some("saved") => Some("Draft saved. Only you can see it."),
        Some("submitted") => {
            Some("Scorecard submitted. You can now see the other interviewers' scorecards.")
        }
        Some("amended") => Some("Amendment saved. The hiring manager also sees the original."),
        _ => None,
    };
    let mode = if q.amend.is_some() {
        Mode::Amend
    } else {
        Mode::Normal
    };
    let errors = FieldErrors::new();
    Ok(Html(
        render(&state, page, &user, id, None, &errors, message, mode).await?,
    ))
}

/// The form's fields as a scorecard.
fn input_of(form: &Pairs) -> ScorecardInput {
    let mut ratings = Vec::new();
    let mut notes = BTreeMap::new();
    for (key, value) in &form.0 {
        if let Some(rest) = key.strip_prefix("score::")
            && let Some((question, criterion)) = rest.split_once("::")
        {
            let score = match value.as_str() {
                "na" => None,
                v => match v.parse::<u8>() {
                    Ok(s) => Some(s),
                    Err(_) => continue,
                },
            };
            ratings.push(RatingInput {
                question: question.to_owned(),
                criterion: criterion.to_owned(),
                score,
                note: String::new(),
            });
        } else if let Some(question) = key.strip_prefix("note::") {
            notes.insert(question.to_owned(), value.clone());
        }
    }
    let recommendation = Some(form.one("recommendation")).filter(|r| !r.is_empty());
    ScorecardInput {
        ratings,
        notes,
        recommendation,
        summary: form.one("summary"),
        lock_version: form.one("lock_version").trim().parse().ok(),
    }
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<Pairs>,
) -> Result<Response> {
    let input = input_of(&form);
    let action = form.one("action");
    if super::is_htmx(&headers) {
        // Autosave: a status line, and the draft's new version for the next save.
        let (status, lock_version) = match service::save_draft(&state.db, &user, id, &input).await {
            Ok(card) => (
                format!(
                    "Draft saved at {}.",
                    chrono::Utc::now().format("%H:%M:%S UTC")
                ),
                card.lock_version,
            ),
            Err(AppError::Conflict { message, .. }) => (message, input.lock_version.unwrap_or(0)),
            Err(AppError::Validation(e)) => (e.to_string(), input.lock_version.unwrap_or(0)),
            Err(e) => return Err(e),
        };
        let html =
            templates().render("scorecards/_saved.html", context! { status, lock_version })?;
        return Ok(Html(html).into_response());
    }
    let result = match action.as_str() {
        "submit" => service::submit(&state.db, &state.mail, &user, id, &input).await,
        "amend" => service::amend(&state.db, &user, id, &input, &form.one("reason")).await,
        _ => service::save_draft(&state.db, &user, id, &input).await,
    };
    let (done, mode) = match action.as_str() {
        "submit" => ("submitted", Mode::Normal),
        "amend" => ("amended", Mode::Amend),
        _ => ("saved", Mode::Normal),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/interviews/{id}/scorecard?done={done}")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let html = render(&state, page, &user, id, Some(&input), &errors, None, mode).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(AppError::Conflict { message, .. }) => {
            // Show the stored (newer) scorecard, with why this save did not count.
            let html = render(
                &state,
                page,
                &user,
                id,
                None,
                &FieldErrors::new(),
                Some(&message),
                Mode::Normal,
            )
            .await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}
