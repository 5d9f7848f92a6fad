//! The HTML pages: home, role search (with and without htmx), role page, errors, assets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use axum::http::{Method, StatusCode};
use support::TestApp;

#[tokio::test]
async fn home_page_has_the_search_form_and_every_role() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(r.body.contains(r#"<label for="role-search">"#));
    assert!(
        r.body.contains(r#"action="/roles" method="get""#),
        "works without JavaScript"
    );
    for slug in [
        "diplomat",
        "track-two-diplomacy-practitioner",
        "track-one-and-a-half-facilitator",
    ] {
        assert!(r.body.contains(&format!("/roles/{slug}")), "{slug}");
    }
}

/// Without JavaScript the form submits to /roles and gets a whole page of results.
#[tokio::test]
async fn search_page_without_javascript_shows_highlighted_results() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/roles?q=back-channel+negotiator").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<!doctype html>"));
    assert!(r.body.contains("Track Two Diplomacy Practitioners"));
    assert!(
        r.body.contains("<mark>Back-channel Negotiator</mark>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn htmx_search_gets_only_the_results_fragment() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app
        .request(Method::GET, "/roles?q=track+ii", &[("hx-request", "true")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<html"));
    insta::assert_snapshot!(r.body.trim());
}

#[tokio::test]
async fn search_for_nothing_relevant_says_so() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app
        .request(
            Method::GET,
            "/roles?q=pastry+chef",
            &[("hx-request", "true")],
        )
        .await;
    assert!(
        r.body.contains("No role matches “pastry chef”"),
        "{}",
        r.body
    );
}

/// Candidate-supplied and query text is escaped, never interpreted.
#[tokio::test]
async fn query_text_is_escaped() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app
        .get("/roles?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!r.body.contains("<script>alert(1)</script>"));
    assert!(r.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn role_page_shows_everything_a_recruiter_needs() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/roles/track-two-diplomacy-practitioner").await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("<h1>Track Two Diplomacy Practitioners</h1>"));
    assert!(
        b.contains("Track Two diplomacy is unofficial peace-making"),
        "summary"
    );
    assert!(b.contains("Back-channel Negotiator"), "titles");
    assert!(b.contains("<li>Track II</li>"), "synonyms");
    assert!(b.contains(
        "Led Track II dialogue sessions focusing on environmental cooperation in South Asia"
    ));
    assert!(
        b.contains("/roles?q=peacebuilding"),
        "related searches link to search"
    );
    assert!(b.contains(
        r#"<pre id="sourcing" class="sourcing">(&quot;Track II diplomacy&quot; OR &quot;back channel talks&quot; OR"#
    ));
    assert!(b.contains(r##"data-copy="#sourcing""##), "copy button");
    for level in ["Basic", "Intermediate", "Advanced"] {
        assert!(b.contains(&format!(">{level}</h3>")), "{level}");
    }
    assert!(b.contains("What is your understanding of Track Two Diplomacy and how does it differ from official diplomacy?"));
    assert!(b.contains("<caption>Explains what makes it unofficial</caption>"));
    assert!(b.contains("4 · exceeds"));
    // On narrow screens the table stacks; each anchor then carries its level itself.
    assert!(
        b.contains(r#"<td data-level="1 · does not meet">"#),
        "anchors keep their level when stacked"
    );
    assert!(!b.contains("trak two"), "hidden labels are never shown");
}

#[tokio::test]
async fn unknown_pages_get_an_html_404() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for uri in ["/roles/pastry-chef", "/nowhere"] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.header("content-type").starts_with("text/html"));
        assert!(r.body.contains("<h1 id=\"error-title\">Not Found</h1>"));
    }
}

#[tokio::test]
async fn static_assets_are_served_with_long_cache_headers() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let home = app.get("/").await.body;
    let start = home.find("/static/htmx-").unwrap();
    let url = home[start..].split('"').next().unwrap();
    let r = app.get(url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(r.header("content-type").starts_with("text/javascript"));
    assert!(r.body.contains("htmx"));
    assert!(
        !home.contains("https://"),
        "no CDN: every asset is served by the binary"
    );
    assert_eq!(
        app.get("/static/htmx-0000.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    assert_eq!(app.get("/healthz").await.body, "ok");
    let r = app.get("/readyz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ready"));
}

/// Every response carries the security headers: pages, API, errors and assets alike.
#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for uri in [
        "/",
        "/roles/diplomat",
        "/api/v1/roles?q=diplomat",
        "/nowhere",
        "/healthz",
    ] {
        let r = app.get(uri).await;
        let csp = r.header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{uri}");
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(r.header("referrer-policy"), "same-origin", "{uri}");
        assert_eq!(r.header("x-frame-options"), "DENY", "{uri}");
    }
}

/// Pages carry no inline script, so the CSP can forbid it.
#[tokio::test]
async fn pages_have_no_inline_script() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for uri in ["/", "/roles?q=track+ii", "/roles/diplomat", "/nowhere"] {
        let body = app.get(uri).await.body;
        for tag in body.match_indices("<script").map(|(i, _)| &body[i..]) {
            let open = &tag[..tag.find('>').unwrap()];
            assert!(open.contains(" src="), "{uri}: inline script {open}");
        }
        assert!(!body.contains(" onclick="), "{uri}: inline handler");
    }
}
