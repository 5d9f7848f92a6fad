//! Security headers on every response.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// No inline script or style, nothing from other origins, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/// The layers that set the headers; each overrides a value a handler may have set.
pub fn headers() -> [SetResponseHeaderLayer<HeaderValue>; 5] {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    [
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(header::REFERRER_POLICY, "same-origin"),
        set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ]
}
