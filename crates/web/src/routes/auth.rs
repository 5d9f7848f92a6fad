//! Signing in and out.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::access::{Access, Routes};
use super::page::Page;
use crate::auth::current::{CurrentUser, begin_session};
use crate::error::{AppError, Result};
use crate::services::{audit, users};
use crate::state::AppState;
use crate::templates::templates;

pub fn routes() -> Routes {
    Routes::new()
        .get("/sign-in", Access::Public, sign_in_page)
        .post("/sign-in", Access::Public, sign_in)
        .post("/sign-out", Access::SignedIn, sign_out)
}

/// The client's address, as the rate limits see it.
pub struct Client(pub String);

impl axum::extract::FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = crate::auth::rate_limit::Limits::peer(parts);
        Ok(Client(state.limits.client(&parts.headers, peer)))
    }
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
    done: Option<String>,
}

/// Only a local path, so a crafted link cannot send the user elsewhere after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn sign_in_page(page: Page, Query(q): Query<NextParam>) -> Result<Response> {
    if page.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let notice = (q.done.as_deref() == Some("password"))
        .then_some("Your password has changed. Sign in with the new one.");
    let ctx =
        context! { page, next => safe_next(q.next.as_deref()), email => "", error => "", notice };
    Ok(Html(templates().render("auth/sign_in.html", ctx)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    page: Page,
    client: Client,
    Form(form): Form<SignInForm>,
) -> Result<Response> {
    let next = safe_next(form.next.as_deref());
    // Counted before any password work, so a flood costs us almost nothing.
    let account = users::normalize_email(&form.email);
    state
        .limits
        .sign_in_per_client
        .hit(&client.0)
        .map_err(AppError::RateLimited)?;
    state
        .limits
        .sign_in_per_account
        .hit(&account)
        .map_err(AppError::RateLimited)?;
    let user = users::find_by_email(&state.db, &form.email).await?;
    let verified = match user
        .as_ref()
        .and_then(|u| u.password_hash.clone().map(|h| (u, h)))
    {
        Some((u, hash)) => u.active && state.passwords.verify(form.password.clone(), hash).await,
        None => {
            // The same work for unknown addresses, so timing does not reveal accounts.
            state.passwords.verify_dummy(form.password.clone()).await;
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        audit::record(
            &state.db,
            None,
            "auth.sign_in_failed",
            "user",
            None,
            json!({}),
        )
        .await?;
        let ctx = context! {
            page, next, email => form.email.trim(),
            error => "That email and password do not match an active account.",
        };
        let html = templates().render("auth/sign_in.html", ctx)?;
        return Ok((StatusCode::UNAUTHORIZED, Html(html)).into_response());
    };
    begin_session(&session, user.id).await?;
    audit::record(
        &state.db,
        Some(user.id),
        "auth.sign_in",
        "user",
        Some(user.id),
        json!({}),
    )
    .await?;
    Ok(Redirect::to(&next).into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<Response> {
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    audit::record(
        &state.db,
        Some(user.id),
        "auth.sign_out",
        "user",
        Some(user.id),
        json!({}),
    )
    .await?;
    Ok(Redirect::to("/sign-in").into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_only_ever_a_local_path() {
        assert_eq!(super::safe_next(Some("/roles?q=x")), "/roles?q=x");
        for bad in ["https://evil.example", "//evil.example", "/\\evil", "roles"] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(super::safe_next(None), "/");
    }
}
