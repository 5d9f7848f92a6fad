//! Interview pages and API: scheduling from an application, the interview's page for
//! the panel, rescheduling and cancelling, and the list of interviews a user may see.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::access::{Access, ApiRoutes, Routes};
use super::forms::{FieldErrors, Pairs, unprocessable};
use super::page::Page;
use super::requisitions::EDITORS;
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::extract::{Form, Json, Path, Query};
use crate::services::interviews::{self as service, Choices, InterviewInput};
use crate::services::users as user_service;
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/interviews", Access::SignedIn, list_page)
        .get("/interviews/{id}", Access::SignedIn, show_page)
        .get("/interviews/{id}/kit", Access::SignedIn, kit_page)
        .get("/applications/{id}/interviews/new", EDITORS, new_page)
        .post("/applications/{id}/interviews", EDITORS, create)
        .get("/interviews/{id}/edit", EDITORS, edit_page)
        .post("/interviews/{id}", EDITORS, update)
        .get("/interviews/{id}/cancel", EDITORS, cancel_page)
        .post("/interviews/{id}/cancel", EDITORS, cancel)
}

pub fn api_router() -> ApiRoutes {
    ApiRoutes::new().route(EDITORS, routes!(create_api))
}

/// Time zones offered in the form: every IANA zone, so any city can be found by typing.
fn zones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}

/// What the form shows.
struct FormView<'a> {
    action: String,
    title: String,
    candidate: String,
    requisition: String,
    choices: Choices,
    values: InterviewInput,
    errors: &'a FieldErrors,
    cancel_to: String,
}

fn render_form(page: Page, view: FormView<'_>) -> Result<String> {
    let levels = attache_core::Level::ALL.map(|l| l.as_str());
    let focus: BTreeMap<String, i32> = view.values.focus.clone();
    templates().render(
        "interviews/form.html",
        context! {
            page,
            action => view.action,
            title => view.title,
            candidate => view.candidate,
            requisition => view.requisition,
            questions => view.choices.questions,
            people => view.choices.people,
            levels,
            zones => zones(),
            values => context! {
                starts_at => view.values.starts_at,
                time_zone => view.values.time_zone,
                duration_minutes => view.values.duration_minutes,
                location => view.values.location,
                panel => view.values.panel,
                questions => view.values.questions,
                focus,
            },
            errors => view.errors,
            cancel_to => view.cancel_to,
        },
    )
}

fn input_of(form: &Pairs) -> InterviewInput {
    let questions = form.all("kit");
    let focus = questions
        .iter()
        .filter_map(|q| {
            form.one(&format!("focus-{q}"))
                .trim()
                .parse::<i32>()
                .ok()
                .map(|u| (q.clone(), u))
        })
        .collect();
    InterviewInput {
        starts_at: form.one("starts_at"),
        time_zone: form.one("time_zone"),
        duration_minutes: form.one("duration_minutes"),
        location: form.one("location"),
        panel: form.ids("panel"),
        questions,
        focus,
    }
}

async fn new_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(application): Path<i32>,
) -> Result<Html<String>> {
    let (candidate, requisition, choices, default_panel) =
        service::choices_for(&state.db, &state.taxonomy, &user, application).await?;
    let values = InterviewInput {
        starts_at: String::new(),
        time_zone: "UTC".to_owned(),
        duration_minutes: "60".to_owned(),
        location: String::new(),
        panel: default_panel,
        questions: choices.default_kit.clone(),
        focus: BTreeMap::new(),
    };
    let view = FormView {
        action: format!("/applications/{application}/interviews"),
        title: "Schedule an interview".to_owned(),
        candidate: candidate.name,
        requisition: requisition.title,
        choices,
        values,
        errors: &FieldErrors::new(),
        cancel_to: format!("/candidates/{}", candidate.id),
    };
    Ok(Html(render_form(page, view)?))
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(application): Path<i32>,
    Form(form): Form<Pairs>,
) -> Result<Response> {
    let input = input_of(&form);
    match service::schedule(
        &state.db,
        &state.mail,
        &state.taxonomy,
        &user,
        application,
        &input,
    )
    .await
    {
        Ok(i) => Ok(Redirect::to(&format!("/interviews/{}?done=scheduled", i.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            let (candidate, requisition, choices, _) =
                service::choices_for(&state.db, &state.taxonomy, &user, application).await?;
            let view = FormView {
                action: format!("/applications/{application}/interviews"),
                title: "Schedule an interview".to_owned(),
                candidate: candidate.name,
                requisition: requisition.title,
                choices,
                values: input,
                errors: &errors,
                cancel_to: format!("/candidates/{}", candidate.id),
            };
            Ok(unprocessable(render_form(page, view)?))
        }
        Err(e) => Err(e),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Html<String>> {
    let interview = service::get(&state.db, &state.taxonomy, &user, id).await?;
    let (_, _, choices, _) =
        service::choices_for(&state.db, &state.taxonomy, &user, interview.application_id).await?;
    let values = InterviewInput {
        starts_at: interview.starts_input.clone(),
        time_zone: interview.time_zone.clone(),
        duration_minutes: interview.duration_minutes.to_string(),
        location: interview.location.clone(),
        panel: interview.panel.iter().map(|p| p.id).collect(),
        questions: interview.questions.iter().map(|q| q.id.clone()).collect(),
        focus: interview
            .questions
            .iter()
            .filter_map(|q| q.focus.as_ref().map(|f| (q.id.clone(), f.id)))
            .collect(),
    };
    let view = FormView {
        action: format!("/interviews/{id}"),
        title: "Reschedule the interview".to_owned(),
        candidate: interview.candidate.name.clone(),
        requisition: interview.requisition.clone(),
        choices,
        values,
        errors: &FieldErrors::new(),
        cancel_to: format!("/interviews/{id}"),
    };
    Ok(Html(render_form(page, view)?))
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<Pairs>,
) -> Result<Response> {
    let input = input_of(&form);
    match service::reschedule(&state.db, &state.mail, &state.taxonomy, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/interviews/{id}?done=rescheduled")).into_response()),
        Err(AppError::Validation(errors)) => {
            let interview = service::get(&state.db, &state.taxonomy, &user, id).await?;
            let (_, _, choices, _) =
                service::choices_for(&state.db, &state.taxonomy, &user, interview.application_id)
                    .await?;
            let view = FormView {
                action: format!("/interviews/{id}"),
                title: "Reschedule the interview".to_owned(),
                candidate: interview.candidate.name,
                requisition: interview.requisition,
                choices,
                values: input,
                errors: &errors,
                cancel_to: format!("/interviews/{id}"),
            };
            Ok(unprocessable(render_form(page, view)?))
        }
        Err(e) => Err(e),
    }
}

/// The interview's own kit to print: the candidate, the time, the kit's questions in the
/// order they are scored, from the bank version the interview was scheduled on, with the
/// focus questions marked and the interviewer's name filled in for the panel.
async fn kit_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Html<String>> {
    let interview = service::get(&state.db, &state.taxonomy, &user, id).await?;
    let (_, questions) = crate::services::scorecards::kit(&state.db, &user, id).await?;
    let focus = interview.focus_names();
    let on_panel = interview.panel.iter().any(|p| p.id == user.id);
    Ok(Html(templates().render(
        "interviews/kit.html",
        context! {
            page,
            interview,
            questions,
            focus,
            on_panel,
            level_names => attache_core::rubric::LEVEL_NAMES,
        },
    )?))
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
    let interview = service::get(&state.db, &state.taxonomy, &user, id).await?;
    let notice = match q.done.as_deref() {
        Some("scheduled") => {
            Some("Interview scheduled. Each interviewer has been emailed a calendar invitation.")
        }
        Some("rescheduled") => {
            Some("Interview changed. The panel has been sent updated invitations.")
        }
        Some("cancelled") => Some("Interview cancelled. The panel has been told."),
        _ => None,
    };
    let levels = attache_core::Level::ALL.map(|l| l.as_str());
    let on_panel = interview.panel.iter().any(|p| p.id == user.id);
    // What the blind rule lets this user see: submitted scorecards only, here.
    let scorecards: Vec<_> = match crate::services::scorecards::visible(&state.db, &user, id).await
    {
        Ok(cards) => cards
            .into_iter()
            .filter(|c| c.status == "submitted")
            .collect(),
        Err(AppError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(Html(templates().render(
        "interviews/show.html",
        context! {
            page,
            interview,
            levels,
            notice,
            on_panel,
            scorecards,
            may_schedule => service::may_schedule(&user),
        },
    )?))
}

async fn list_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
) -> Result<Html<String>> {
    let interviews = service::list(&state.db, &state.taxonomy, &user).await?;
    let ids: Vec<i32> = interviews.iter().map(|i| i.id).collect();
    let statuses = crate::services::scorecards::statuses(&state.db, user.id, &ids).await?;
    // For the user's own interviews: their scorecard's state, and whether it is overdue.
    let mine: std::collections::BTreeMap<String, &str> = interviews
        .iter()
        .filter(|i| i.panel.iter().any(|p| p.id == user.id))
        .map(|i| {
            let state = match statuses.get(&i.id).map(String::as_str) {
                Some("submitted") => "Submitted",
                Some(_) if i.past => "Draft, overdue",
                Some(_) => "Draft",
                None if i.past && i.status == service::Status::Scheduled => "Not started, overdue",
                None => "Not started",
            };
            (i.id.to_string(), state)
        })
        .collect();
    let (past, upcoming): (Vec<_>, Vec<_>) = interviews.into_iter().partition(|i| i.past);
    Ok(Html(templates().render(
        "interviews/list.html",
        context! { page, upcoming, past, mine },
    )?))
}

async fn cancel_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Html<String>> {
    let interview = service::get(&state.db, &state.taxonomy, &user, id).await?;
    Ok(Html(templates().render(
        "interviews/cancel.html",
        context! { page, interview },
    )?))
}

async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    service::cancel(&state.db, &state.mail, &state.taxonomy, &user, id).await?;
    Ok(Redirect::to(&format!("/interviews/{id}?done=cancelled")).into_response())
}

/// A new interview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterview {
    application_id: i32,
    /// An instant with its offset ("2031-03-04T09:00:00Z"), or a local date and time
    /// ("2031-03-04T10:00") read in `time_zone`.
    scheduled_at: String,
    /// IANA time zone ("Europe/Vienna"), in which invitations show the time; default UTC.
    #[serde(default)]
    time_zone: Option<String>,
    duration_minutes: i32,
    /// A room, an address or a video link.
    #[serde(default)]
    location: String,
    /// Emails of the panel.
    interviewers: Vec<String>,
    /// Question ids, in order; leave out for the requisition's kit (by default two
    /// questions per level).
    #[serde(default)]
    questions: Option<Vec<String>>,
    /// Question id to the email of the panel member it is a focus for.
    #[serde(default)]
    focus: BTreeMap<String, String>,
}

/// A scheduled interview.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterviewBody {
    id: i32,
    application_id: i32,
    /// "scheduled" or "cancelled".
    status: String,
    #[schema(value_type = String, format = DateTime)]
    scheduled_at: chrono::DateTime<chrono::Utc>,
    time_zone: String,
    duration_minutes: i32,
    location: String,
    /// Emails of the panel.
    interviewers: Vec<String>,
    /// Question ids of the kit, in order.
    questions: Vec<String>,
    /// The iCalendar SEQUENCE of the latest invitation.
    sequence: i32,
}

/// `scheduled_at` as the local time the service reads in `zone`: an instant with an
/// offset is converted; a local time is passed on as it is.
fn local_time(scheduled_at: &str, zone: &str) -> String {
    match (
        chrono::DateTime::parse_from_rfc3339(scheduled_at.trim()),
        service::parse_zone(zone),
    ) {
        (Ok(at), Ok(tz)) => at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        _ => scheduled_at.to_owned(),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/interviews",
    tag = "requisitions",
    request_body = NewInterview,
    responses(
        (status = 201, description = "Scheduled; each interviewer is emailed an invitation", body = InterviewBody),
        (status = 404, description = "No such application, or not yours"),
        (status = 409, description = "The requisition is closed"),
        (status = 422, description = "A field is wrong; `error.fields` names each"),
    )
)]
async fn create_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<NewInterview>,
) -> Result<(StatusCode, Json<InterviewBody>)> {
    let mut errors = FieldErrors::new();
    let mut ids_by_email = BTreeMap::new();
    for email in body.interviewers.iter().chain(body.focus.values()) {
        if ids_by_email.contains_key(email) {
            continue;
        }
        let found = match crate::fields::email(email) {
            Ok(e) => user_service::find_by_email(&state.db, &e).await?,
            Err(_) => None,
        };
        match found {
            Some(u) => {
                ids_by_email.insert(email.clone(), u.id);
            }
            None => errors.insert("interviewers", format!("{email} is not a user of Attaché.")),
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let questions = match body.questions {
        Some(q) => q,
        None => {
            service::choices_for(&state.db, &state.taxonomy, &user, body.application_id)
                .await?
                .2
                .default_kit
        }
    };
    let time_zone = body.time_zone.unwrap_or_else(|| "UTC".to_owned());
    let input = InterviewInput {
        starts_at: local_time(&body.scheduled_at, &time_zone),
        time_zone,
        duration_minutes: body.duration_minutes.to_string(),
        location: body.location,
        panel: body
            .interviewers
            .iter()
            .filter_map(|e| ids_by_email.get(e).copied())
            .collect(),
        questions,
        focus: body
            .focus
            .iter()
            .filter_map(|(q, e)| ids_by_email.get(e).map(|id| (q.clone(), *id)))
            .collect(),
    };
    let created = service::schedule(
        &state.db,
        &state.mail,
        &state.taxonomy,
        &user,
        body.application_id,
        &input,
    )
    .await?;
    let i = service::get(&state.db, &state.taxonomy, &user, created.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(InterviewBody {
            id: i.id,
            application_id: i.application_id,
            status: "scheduled".to_owned(),
            scheduled_at: i.starts_at,
            time_zone: i.time_zone,
            duration_minutes: i.duration_minutes,
            location: i.location,
            interviewers: i.panel.into_iter().map(|p| p.email).collect(),
            questions: i.questions.into_iter().map(|q| q.id).collect(),
            sequence: i.sequence,
        }),
    ))
}
