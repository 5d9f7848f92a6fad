//! Cross-site request forgery protection, required on every state-changing request that
//! relies on cookies, as the `csrf_token` form field or the `X-CSRF-Token` header (htmx
//! sends the header). Requests authenticated with a bearer token are exempt: browsers
//! never add that header by themselves.
//!
//! Signed-in users have a random token in their session, new at every sign-in. Anonymous
//! visitors (signing in, asking for a password reset, following a one-time link) store
//! nothing on the server: their token is a signed double-submit cookie, a random nonce
//! with an HMAC under a key every instance shares, which the form must repeat.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{KeyInit, Mac};
use tower_sessions::Session;

use crate::auth::current::{Caller, Via};
use crate::error::AppError;
use crate::state::AppState;

/// Session key of a signed-in user's CSRF token.
const KEY: &str = "csrf";
/// Cookie holding an anonymous visitor's signed token.
pub const COOKIE: &str = "attache_csrf";
/// Largest form body read to find the token: axum's own body limit.
const MAX_FORM_BYTES: usize = 2 << 20;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The key that signs anonymous tokens: 32 random bytes kept in the database, so every
/// instance accepts every other's tokens.
#[derive(Clone)]
pub struct CsrfKey(std::sync::Arc<[u8; 32]>);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

impl CsrfKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        CsrfKey(std::sync::Arc::new(bytes))
    }

    fn mac(&self, nonce: &str) -> String {
        // HMAC takes keys of any length: this cannot fail.
        let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(self.0.as_slice()) else {
            return String::new();
        };
        mac.update(b"attache csrf v1:");
        mac.update(nonce.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A fresh signed token: `nonce.mac`.
    pub fn mint(&self) -> String {
        let nonce = super::random_hex(16);
        let mac = self.mac(&nonce);
        format!("{nonce}.{mac}")
    }

    /// Whether `token` is one this key signed.
    pub fn verify(&self, token: &str) -> bool {
        token.split_once('.').is_some_and(|(nonce, mac)| {
            nonce.len() == 32 && constant_time_eq(self.mac(nonce).as_bytes(), mac.as_bytes())
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed-in session's CSRF token, created on first use.
pub async fn session_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(KEY).await {
        return t;
    }
    let t = super::random_hex(32);
    let _ = session.insert(KEY, &t).await;
    t
}

/// Forget the session's token, so the next page gets a new one (at sign-in).
///
/// # Errors
/// The session store failed.
pub async fn renew(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.remove::<String>(KEY).await.map(|_| ())
}

/// An anonymous visitor's token for this request: from their cookie, or new (then the
/// response sets the cookie).
#[derive(Debug, Clone)]
pub struct AnonymousToken {
    pub token: String,
    fresh: bool,
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

/// The boundary of a `multipart/form-data` body (a file upload).
fn multipart_boundary(content_type: &str) -> Option<String> {
    let rest = content_type.strip_prefix("multipart/form-data")?;
    rest.split(';').find_map(|p| {
        let value = p.trim().strip_prefix("boundary=")?;
        Some(value.trim_matches('"').to_owned())
    })
}

/// The value of a plain (not file) field of a multipart body.
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        let end = find(rest, delimiter.as_bytes()).unwrap_or(rest.len());
        let part = &rest[..end];
        let split = find(part, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&part[..split]).ok()?;
        let is_field = headers.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("content-disposition:")
                && l.contains(&wanted)
                && !l.contains("filename=")
        });
        if is_field {
            let value = &part[split + 4..];
            let value = value.strip_suffix(b"\r\n").unwrap_or(value);
            return std::str::from_utf8(value).ok().map(str::to_owned);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(req: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    req.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Refuse a state-changing request without the right token (403), before it reaches a
/// handler, so nothing changes. For anonymous visitors, also hand the page its token and
/// set the cookie when it is new.
pub async fn protect(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_default();
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if caller.via() == Some(Via::Bearer) {
        return next.run(req).await;
    }
    let signed_in = caller.user().is_some();
    // Nobody signed in on the API: nothing to forge, and every operation there needs a
    // caller, so the route answers 401 (a CSRF refusal would send a script author looking
    // for the wrong fault).
    if !signed_in && crate::auth::current::is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let anonymous = (!signed_in).then(|| {
        match cookie(req.headers(), COOKIE).filter(|t| state.csrf_key.verify(t)) {
            Some(t) => AnonymousToken {
                token: t.to_owned(),
                fresh: false,
            },
            None => AnonymousToken {
                token: state.csrf_key.mint(),
                fresh: true,
            },
        }
    });
    if !safe {
        let expected = match &anonymous {
            Some(a) if !a.fresh => Some(a.token.clone()),
            Some(_) => None,
            None => session.get::<String>(KEY).await.ok().flatten(),
        };
        let Some((ok, rebuilt)) = check(req, expected.as_deref()).await else {
            return (
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "the form is too large",
            )
                .into_response();
        };
        req = rebuilt;
        if !ok {
            return AppError::CsrfRejected(
                "This form has expired or did not come from Attaché. Reload the page and try again."
                    .to_owned(),
            )
            .into_response();
        }
    }
    if let Some(a) = &anonymous {
        req.extensions_mut().insert(a.clone());
    }
    let mut res = next.run(req).await;
    if let Some(a) = anonymous.filter(|a| a.fresh) {
        let is_page = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if is_page {
            let secure = if state.secure_cookies { "; Secure" } else { "" };
            let value = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
                a.token
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    res
}

/// Whether the request carries `expected` as its header or form field; the request is
/// given back whole. `None` when a form body is too large to read.
async fn check(req: Request, expected: Option<&str>) -> Option<(bool, Request)> {
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = req.into_parts();
    let (given, body) = match header {
        Some(h) => (Some(h), body),
        None => {
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_type.starts_with("application/x-www-form-urlencoded") {
                let bytes = to_bytes(body, MAX_FORM_BYTES).await.ok()?;
                (form_field(&bytes, "csrf_token"), Body::from(bytes))
            } else if let Some(boundary) = multipart_boundary(content_type) {
                let bytes = to_bytes(body, MAX_FORM_BYTES).await.ok()?;
                (
                    multipart_field(&bytes, &boundary, "csrf_token"),
                    Body::from(bytes),
                )
            } else {
                (None, body)
            }
        }
    };
    let ok = matches!((expected, &given), (Some(e), Some(g)) if constant_time_eq(e.as_bytes(), g.as_bytes()));
    Some((ok, Request::from_parts(parts, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_found_and_tokens_compared_in_constant_time() {
        assert_eq!(
            form_field(b"email=a%40b&csrf_token=abc", "csrf_token").as_deref(),
            Some("abc")
        );
        assert_eq!(form_field(b"email=a", "csrf_token"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_token_is_found_in_a_file_upload() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nname,email\r\n--XyZ--\r\n";
        let boundary = multipart_boundary("multipart/form-data; boundary=XyZ").unwrap();
        assert_eq!(
            multipart_field(body, &boundary, "csrf_token").as_deref(),
            Some("abc")
        );
        assert_eq!(multipart_field(body, &boundary, "file"), None);
        assert_eq!(multipart_boundary("text/plain"), None);
    }

    #[test]
    fn only_tokens_signed_with_the_key_verify() {
        let key = CsrfKey::new([7; 32]);
        let t = key.mint();
        assert!(key.verify(&t));
        assert_ne!(t, key.mint());
        assert!(!CsrfKey::new([8; 32]).verify(&t), "another key's token");
        let (nonce, _) = t.split_once('.').unwrap();
        assert!(!key.verify(&format!("{nonce}.{}", "0".repeat(64))));
        assert!(!key.verify("garbage"));
        assert!(!key.verify(""));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; attache_csrf=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "attache"), None);
    }
}
