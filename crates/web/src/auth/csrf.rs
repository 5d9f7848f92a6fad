//! Cross-site request forgery protection: a random token per session, required on every
//! state-changing request that relies on the session cookie, as the `csrf_token` form
//! field or the `X-CSRF-Token` header (htmx sends the header). Requests authenticated
//! with a bearer token are exempt: browsers never add that header by themselves.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::auth::current::{Caller, Via, is_api};
use crate::error::{ApiError, AppError};

/// Session key of the CSRF token.
const KEY: &str = "csrf";
/// Largest form body read to find the token.
const MAX_FORM_BYTES: usize = 1 << 20;

/// The session's CSRF token, created on first use.
pub async fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(KEY).await {
        return t;
    }
    let t = super::random_hex(32);
    let _ = session.insert(KEY, &t).await;
    t
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// Refuse a state-changing request without the right token (403), before it reaches a
/// handler, so nothing changes.
pub async fn protect(session: Session, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer = req.extensions().get::<Caller>().and_then(Caller::via) == Some(Via::Bearer);
    if safe || bearer {
        return next.run(req).await;
    }
    let api = is_api(req.uri().path());
    let expected = session.get::<String>(KEY).await.ok().flatten();
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = req.into_parts();
    let (given, body) = match header {
        Some(h) => (Some(h), body),
        None => {
            let is_form = parts
                .headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if is_form {
                match to_bytes(body, MAX_FORM_BYTES).await {
                    Ok(bytes) => (form_field(&bytes, "csrf_token"), Body::from(bytes)),
                    Err(_) => (None, Body::empty()),
                }
            } else {
                (None, body)
            }
        }
    };
    let ok = matches!((&expected, &given), (Some(e), Some(g)) if constant_time_eq(e.as_bytes(), g.as_bytes()));
    if !ok {
        let message =
            "This form has expired or did not come from Attaché. Reload the page and try again.";
        return if api {
            ApiError(AppError::CsrfRejected(message.to_owned())).into_response()
        } else {
            AppError::CsrfRejected(message.to_owned()).into_response()
        };
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_fields_are_found_and_tokens_compared_in_constant_time() {
        assert_eq!(
            super::form_field(b"email=a%40b&csrf_token=abc", "csrf_token").as_deref(),
            Some("abc")
        );
        assert_eq!(super::form_field(b"email=a", "csrf_token"), None);
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
    }
}
