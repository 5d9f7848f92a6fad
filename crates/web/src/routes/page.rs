//! What every page needs besides its own content: the signed-in user and the CSRF token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;
use tower_sessions::Session;

use crate::auth::csrf::AnonymousToken;
use crate::auth::current::{Caller, CurrentUser};

/// Passed to every template as `page`.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub user: Option<CurrentUser>,
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = Caller::from_request_parts(parts, state)
            .await?
            .user()
            .cloned();
        // Signed in: the session's token. Anonymous: the signed cookie's, so nothing is
        // stored for a visitor who only looks at a page.
        let csrf = match (&user, parts.extensions.get::<AnonymousToken>()) {
            (None, Some(anonymous)) => anonymous.token.clone(),
            (None, None) => String::new(),
            (Some(_), _) => match Session::from_request_parts(parts, state).await {
                Ok(session) => crate::auth::csrf::session_token(&session).await,
                Err(_) => String::new(),
            },
        };
        Ok(Page { user, csrf })
    }
}
