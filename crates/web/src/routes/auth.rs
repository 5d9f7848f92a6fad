//! Signing in and out.

use axum::extract::State;
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
use crate::extract::{Form, Query};
use crate::fields::{self, FieldErrors};
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

/// Only a path on this site, so a crafted link cannot send the user elsewhere after
/// signing in: it must start with one `/`, be printable ASCII with no backslash (browsers
/// drop tabs and newlines and read `\` as `/`, turning `/<TAB>/evil.example` into
/// `//evil.example`), and parse as a path and query. Anything else goes home.
fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_owned();
    };
    let printable = n.bytes().all(|b| b.is_ascii_graphic());
    let local = n.starts_with('/') && !n.starts_with("//") && !n.contains('\\');
    if printable && local && n.parse::<axum::http::uri::PathAndQuery>().is_ok() {
        n.to_owned()
    } else {
        "/".to_owned()
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
    let mut errors = FieldErrors::new();
    errors.take(fields::check_length(fields::EMAIL, &form.email));
    if let Err(e) = crate::auth::password::Passwords::check_max_length(&form.password) {
        errors.insert(
            "password",
            format!("{}.", fields::capitalise(&e.to_string())),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // Counted before any password work, so a flood costs us almost nothing.
    let account = fields::normalize_email(&form.email);
    state.limits.sign_in(&account, &client.0)?;
    let user = users::find_by_email(&state.db, &form.email).await?;
    // One verification whatever the account's state, against a dummy hash where there is
    // no usable account, so timing tells nothing about which addresses exist or are
    // deactivated.
    let verified = match user.as_ref().and_then(|u| u.password_hash.clone()) {
        Some(hash) => state.passwords.verify(form.password.clone(), hash).await,
        None => {
            state.passwords.verify_dummy(form.password.clone()).await;
            false
        }
    };
    let verified = verified && user.as_ref().is_some_and(|u| u.active);
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
        assert_eq!(super::safe_next(Some("/roles?q=a%20b")), "/roles?q=a%20b");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "roles",
            "/\t/evil.example",
            "/\n",
            "/\r",
            "/\0",
            "/ /evil.example",
            "/é",
            "",
        ] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(super::safe_next(None), "/");
    }
}
