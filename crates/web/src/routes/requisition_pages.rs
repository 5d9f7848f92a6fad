//! Requisition pages: the list with counts per stage, the form to open or edit one, its
//! page with candidates by stage, closing and reopening, CSV import (upload, preview,
//! confirm) and export.

use attache_core::{RequisitionStatus, Stage};
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::access::Routes;
use super::forms::{FieldErrors, Pairs, unprocessable};
use super::page::Page;
use super::requisitions::{EDITORS, READERS};
use crate::auth::current::CurrentUser;
use crate::error::{AppError, Result};
use crate::extract::{Form, Path, Query};
use crate::services::import::{self, RowError};
use crate::services::interviews::panel_candidates;
use crate::services::requisitions::{self as service, RequisitionInput};
use crate::services::{candidates as candidate_service, policy};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/requisitions", READERS, list_page)
        .get("/requisitions/new", EDITORS, new_page)
        .post("/requisitions", EDITORS, create)
        .get("/requisitions/{id}", READERS, show_page)
        .get("/requisitions/{id}/edit", EDITORS, edit_page)
        .post("/requisitions/{id}", EDITORS, update)
        .post("/requisitions/{id}/status", EDITORS, set_status)
        .get("/requisitions/{id}/import", EDITORS, import_page)
        .post("/requisitions/{id}/import", EDITORS, import_preview)
        .post("/requisitions/{id}/import/confirm", EDITORS, import_confirm)
        .get("/requisitions/{id}/candidates.csv", READERS, export_csv)
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn list_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
) -> Result<Html<String>> {
    let requisitions = service::list(&state.db, &user).await?;
    let stages: Vec<_> = Stage::ALL
        .iter()
        .map(|s| context! { key => s.as_str(), label => s.label() })
        .collect();
    let may_edit = policy::may_edit(&user);
    Ok(Html(templates().render(
        "requisitions/list.html",
        context! { page, requisitions, stages, may_edit },
    )?))
}

/// What the form shows: the values typed, the choices, and any errors.
struct FormView {
    action: String,
    id: Option<i32>,
    input: RequisitionInput,
    errors: FieldErrors,
}

async fn render_form(state: &AppState, page: Page, view: FormView) -> Result<String> {
    let managers = service::hiring_managers(&state.db).await?;
    let people = panel_candidates(&state.db).await?;
    let mut roles: Vec<_> = state.taxonomy.roles().iter().collect();
    roles.sort_by(|a, b| a.title.cmp(&b.title));
    let roles: Vec<_> = roles
        .iter()
        .map(|r| context! { slug => r.slug, title => r.title, track => r.track.as_str() })
        .collect();
    let role = state.taxonomy.role(view.input.role.trim());
    let questions = role.map(|r| r.questions.clone()).unwrap_or_default();
    let default_kit: Vec<String> = role
        .map(|r| r.default_kit().iter().map(|q| q.id.clone()).collect())
        .unwrap_or_default();
    let kit = if view.input.kit.is_empty() {
        default_kit
    } else {
        view.input.kit.clone()
    };
    let levels = attache_core::Level::ALL.map(|l| l.as_str());
    templates().render(
        "requisitions/form.html",
        context! {
            page,
            action => view.action,
            id => view.id,
            input => context! {
                role => view.input.role,
                title => view.input.title,
                hiring_manager => view.input.hiring_manager,
                panel => view.input.panel,
            },
            kit,
            questions,
            levels,
            roles,
            managers,
            people,
            errors => view.errors,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    role: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>> {
    let input = RequisitionInput {
        role: q.role.unwrap_or_default(),
        ..Default::default()
    };
    let view = FormView {
        action: "/requisitions".to_owned(),
        id: None,
        input,
        errors: FieldErrors::new(),
    };
    Ok(Html(render_form(&state, page, view).await?))
}

fn input_of(form: &Pairs) -> RequisitionInput {
    RequisitionInput {
        role: form.one("role"),
        title: form.one("title"),
        hiring_manager: form.one("hiring_manager"),
        panel: form.all("panel"),
        kit: form.all("kit"),
    }
}

/// Show the form again with its errors (422), or pass any other error on.
async fn form_again(state: &AppState, page: Page, view: FormView) -> Result<Response> {
    Ok(unprocessable(render_form(state, page, view).await?))
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Form(form): Form<Pairs>,
) -> Result<Response> {
    let input = input_of(&form);
    match service::create(&state.db, &user, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requisitions/{}?done=created", r.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            let view = FormView {
                action: "/requisitions".to_owned(),
                id: None,
                input,
                errors,
            };
            form_again(&state, page, view).await
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
    let r = service::get(&state.db, &user, id).await?;
    let input = RequisitionInput {
        role: r.role,
        title: r.title,
        hiring_manager: r.hiring_manager.email,
        panel: r.panel.into_iter().map(|p| p.email).collect(),
        kit: r.kit,
    };
    let view = FormView {
        action: format!("/requisitions/{id}"),
        id: Some(id),
        input,
        errors: FieldErrors::new(),
    };
    Ok(Html(render_form(&state, page, view).await?))
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<Pairs>,
) -> Result<Response> {
    let input = input_of(&form);
    match service::update(&state.db, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/requisitions/{id}?done=saved")).into_response()),
        Err(AppError::Validation(errors)) => {
            let view = FormView {
                action: format!("/requisitions/{id}"),
                id: Some(id),
                input,
                errors,
            };
            form_again(&state, page, view).await
        }
        Err(e) => Err(e),
    }
}

async fn show_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Query(q): Query<Done>,
) -> Result<Html<String>> {
    let requisition = service::get(&state.db, &user, id).await?;
    let rows = candidate_service::on_requisition(&state.db, id).await?;
    let groups: Vec<_> = Stage::ALL
        .iter()
        .map(|stage| {
            let candidates: Vec<_> = rows
                .iter()
                .filter(|(a, _)| a.stage == stage.as_str())
                .map(|(a, c)| {
                    context! {
                        application => a.id,
                        id => c.id,
                        name => c.name,
                        current_title => c.current_title,
                        location => c.location,
                    }
                })
                .collect();
            context! { key => stage.as_str(), label => stage.label(), candidates }
        })
        .collect();
    let stages: Vec<_> = Stage::ALL
        .iter()
        .map(|s| context! { key => s.as_str(), label => s.label() })
        .collect();
    let role = state.taxonomy.role(&requisition.role);
    let kit: Vec<_> = role
        .map(|role| {
            let ids = if requisition.kit.is_empty() {
                role.default_kit().iter().map(|q| q.id.clone()).collect()
            } else {
                requisition.kit.clone()
            };
            ids.iter()
                .filter_map(|id| role.questions.iter().find(|q| q.id == *id))
                .map(|q| context! { id => q.id, level => q.level.as_str(), text => q.text })
                .collect()
        })
        .unwrap_or_default();
    let notice = match q.done.as_deref() {
        Some("created") => {
            Some("Requisition opened. Add candidates one by one or import a CSV file.")
        }
        Some("saved") => Some("Changes saved."),
        Some("closed") => {
            Some("Requisition closed: it takes no new candidates until you reopen it.")
        }
        Some("reopened") => Some("Requisition reopened."),
        Some("moved") => Some("Stage changed."),
        Some("imported") => Some("Candidates imported."),
        _ => None,
    };
    let may_edit = policy::may_edit(&user);
    let total: u64 = requisition.stages.values().sum();
    Ok(Html(templates().render(
        "requisitions/show.html",
        context! { page, requisition, groups, stages, kit, notice, may_edit, total },
    )?))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<StatusForm>,
) -> Result<Response> {
    let status: RequisitionStatus = form
        .status
        .parse()
        .map_err(|_| AppError::bad_request("invalid_status", "Choose open or closed."))?;
    service::set_status(&state.db, &user, id, status).await?;
    let done = if status == RequisitionStatus::Open {
        "reopened"
    } else {
        "closed"
    };
    Ok(Redirect::to(&format!("/requisitions/{id}?done={done}")).into_response())
}

async fn render_import(
    page: Page,
    requisition: &service::Requisition,
    errors: &[RowError],
    preview: Option<minijinja::Value>,
) -> Result<String> {
    templates().render(
        "requisitions/import.html",
        context! {
            page,
            requisition,
            errors,
            preview,
            columns => import::COLUMNS,
            max_rows => import::MAX_ROWS,
            max_kb => import::MAX_BYTES / 1024,
        },
    )
}

async fn import_page(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Html<String>> {
    let requisition = service::get(&state.db, &user, id).await?;
    Ok(Html(render_import(page, &requisition, &[], None).await?))
}

/// The uploaded file's bytes, from the `file` field.
async fn uploaded(mut multipart: Multipart) -> Result<Vec<u8>> {
    while let Some(field) = multipart.next_field().await.map_err(|_| {
        AppError::bad_request("upload_failed", "The file could not be read; try again.")
    })? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| {
                AppError::bad_request(
                    "upload_failed",
                    format!(
                        "The file could not be read; it may be larger than {} KB.",
                        import::MAX_BYTES / 1024
                    ),
                )
            })?;
            return Ok(bytes.to_vec());
        }
    }
    Ok(Vec::new())
}

/// Check the file and show what importing it will do, or every problem in it.
async fn import_preview(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> Result<Response> {
    let requisition = service::get(&state.db, &user, id).await?;
    let bytes = uploaded(multipart).await?;
    preview_or_errors(&state, page, &user, &requisition, &bytes).await
}

async fn preview_or_errors(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    requisition: &service::Requisition,
    bytes: &[u8],
) -> Result<Response> {
    let rows = match import::parse(bytes) {
        Ok(rows) => rows,
        Err(errors) => {
            return Ok(unprocessable(
                render_import(page, requisition, &errors, None).await?,
            ));
        }
    };
    let model = service::find_visible(&state.db, user, requisition.id).await?;
    let (planned, counts) = import::plan(&state.db, &model, &rows).await?;
    // The checked file goes back with the confirmation, so nothing is kept on the server
    // between the two steps; it is checked again on confirm.
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let preview = context! { rows => planned, counts, file => text };
    Ok(Html(render_import(page, requisition, &[], Some(preview)).await?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    file: String,
}

async fn import_confirm(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i32>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let requisition = service::get(&state.db, &user, id).await?;
    let rows = match import::parse(form.file.as_bytes()) {
        Ok(rows) => rows,
        Err(_) => {
            return preview_or_errors(&state, page, &user, &requisition, form.file.as_bytes())
                .await;
        }
    };
    let model = service::find_visible(&state.db, &user, id).await?;
    import::import(
        &state.db,
        &state.taxonomy,
        Some(user.id),
        &model,
        &rows,
        |_| {},
    )
    .await?;
    Ok(Redirect::to(&format!("/requisitions/{id}?done=imported")).into_response())
}

async fn export_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    let requisition = service::find_visible(&state.db, &user, id).await?;
    let bytes = import::export(&state.db, &requisition).await?;
    Ok(csv_download(
        &format!("requisition-{id}-candidates.csv"),
        bytes,
    ))
}

/// A CSV file to download as `name`.
pub(super) fn csv_download(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
