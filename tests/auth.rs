//! Signing in and out, sessions, cookies, CSRF, API tokens, and the route-by-role matrix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use attache_web::auth::UserRole;
use attache_web::routes::access::Access;
use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use support::{PASSWORD, TestApp, csrf_cookie, csrf_in, session_cookie, urlencode};

const FORM: [(&str, &str); 1] = [("content-type", "application/x-www-form-urlencoded")];

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_api_callers_get_401() {
    let app = TestApp::new().await;
    let r = app.get("/roles?q=track+ii").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        "/sign-in?next=/roles%3Fq%3Dtrack%2Bii"
    );
    let r = app.get("/api/v1/roles?q=diplomat").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "unauthenticated");
    assert_eq!(r.header("www-authenticate"), "Bearer");
    for public in ["/sign-in", "/healthz", "/readyz"] {
        assert_eq!(app.get(public).await.status, StatusCode::OK, "{public}");
    }
}

/// Wrong password and unknown address get the same answer, and the failure is audited.
#[tokio::test]
async fn failed_sign_in_does_not_tell_which_part_was_wrong() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Recruiter).await;
    let attempt = |email: String, password: &'static str| {
        let app = &app;
        async move {
            let page = app.send(Method::GET, "/sign-in", &[], None, None).await;
            let cookie = csrf_cookie(&page).unwrap();
            let form = format!(
                "email={}&password={}&csrf_token={}",
                urlencode(&email),
                urlencode(password),
                csrf_in(&page.body)
            );
            app.send(Method::POST, "/sign-in", &FORM, Some(&cookie), Some(form))
                .await
        }
    };
    let wrong_password = attempt(user.email.clone(), "not the password at all").await;
    let unknown = attempt("nobody@example.org".into(), PASSWORD).await;
    for r in [&wrong_password, &unknown] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(
            r.body
                .contains("That email and password do not match an active account.")
        );
        assert!(session_cookie(r).is_none() || !r.body.contains("Sign out"));
    }
    let failures = app.audit("auth.sign_in_failed").await;
    assert_eq!(failures.len(), 2);
}

/// The session id changes at sign-in: an id obtained before is worthless after. Cookies
/// are HttpOnly and SameSite=Lax, and not Secure unless configured.
#[tokio::test]
async fn session_id_is_rotated_at_sign_in_and_cookies_are_httponly_and_lax() {
    let app = TestApp::new().await;
    let first = app.add_user(UserRole::Recruiter).await;
    let user = app.add_user(UserRole::Interviewer).await;
    let page = app.send(Method::GET, "/sign-in", &[], None, None).await;
    let set_cookie = page.header("set-cookie").to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "not over TLS unless configured: {set_cookie}"
    );
    // A session that exists before this sign-in (someone else's, on a shared machine).
    let before = app.sign_in(&first.email, PASSWORD).await;
    let form = format!(
        "email={}&password={}&csrf_token={}",
        urlencode(&user.email),
        urlencode(PASSWORD),
        before.csrf
    );
    let r = app
        .send(
            Method::POST,
            "/sign-in",
            &FORM,
            Some(&before.cookie),
            Some(form),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set_cookie = r.header("set-cookie").to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let after = session_cookie(&r).unwrap();
    assert_ne!(before.cookie, after);
    assert_eq!(
        app.send(Method::GET, "/", &[], Some(&after), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(Method::GET, "/", &[], Some(&before.cookie), None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Idle expiry is on the stored session too, not only the cookie.
    let rows = attache_web::entities::sessions::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let latest = rows.iter().map(|r| r.expires_at).max().unwrap();
    let hours = (latest - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((7.9..=8.1).contains(&hours), "{hours}");
}

#[tokio::test]
async fn cookies_are_secure_when_configured_for_tls() {
    let mut app = TestApp::new().await;
    app.state.secure_cookies = true;
    app.router = attache_web::app(app.state.clone());
    let page = app.send(Method::GET, "/sign-in", &[], None, None).await;
    assert!(
        page.header("set-cookie").contains("Secure"),
        "{}",
        page.header("set-cookie")
    );
}

#[tokio::test]
async fn sign_out_destroys_the_session() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let cookie = app.session.clone().unwrap().cookie;
    let r = app.post_form("/sign-out", "").await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, "/sign-in")
    );
    assert_eq!(
        app.send(Method::GET, "/", &[], Some(&cookie), None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

/// A missing or wrong CSRF token gets 403 and changes nothing.
#[tokio::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let s = app.session.clone().unwrap();
    for body in ["", "csrf_token=wrong"] {
        let r = app
            .send(
                Method::POST,
                "/sign-out",
                &FORM,
                Some(&s.cookie),
                Some(body.to_owned()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body:?}");
        assert!(r.body.contains("did not come from Attaché"));
    }
    assert_eq!(
        app.get("/").await.status,
        StatusCode::OK,
        "still signed in: nothing changed"
    );
    // htmx sends it as a header instead.
    let r = app
        .send(
            Method::POST,
            "/sign-out",
            &[("x-csrf-token", &s.csrf)],
            Some(&s.cookie),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn bearer_tokens_work_on_the_api_and_bad_ones_get_401() {
    let app = TestApp::new().await;
    let token = app.token(UserRole::HiringManager).await;
    let r = app.get_with_token("/api/v1/roles?q=track+ii", &token).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["results"][0]["slug"],
        "track-two-diplomacy-practitioner"
    );
    assert_eq!(
        app.get_with_token("/api/v1/roles/diplomat", &token)
            .await
            .status,
        StatusCode::OK
    );
    for bad in ["att_0000", "nonsense", ""] {
        let r = app.get_with_token("/api/v1/roles?q=x", bad).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert_eq!(r.json()["error"]["code"], "unauthenticated");
    }
    let r = app
        .send(
            Method::GET,
            "/api/v1/roles?q=x",
            &[("authorization", "Basic abc")],
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deactivated_users_lose_their_session_and_tokens() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let id = app.user.clone().unwrap().id;
    let token = attache_web::services::api_tokens::issue(&app.db, id, "t", None)
        .await
        .unwrap();
    use sea_orm::{ActiveModelTrait, Set};
    let mut user: attache_web::entities::users::ActiveModel =
        attache_web::entities::users::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
    user.active = Set(false);
    user.update(&app.db).await.unwrap();
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with_token("/api/v1/roles?q=x", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Who may change requisitions, candidates and stages.
const EDITORS: &[UserRole] = &[UserRole::Admin, UserRole::Recruiter];
/// API callers are cached for a moment, never past a change: deactivating a user through
/// Attaché ends their token at once; a change another instance made to the database ends it
/// within `CACHE_SECONDS`.
#[tokio::test]
async fn a_cached_token_stops_at_once_on_deactivation_and_within_the_bound_elsewhere() {
    use attache_web::services::api_tokens::CACHE_SECONDS;
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::new().await;
    let admin = app.add_user(UserRole::Admin).await;
    for elsewhere in [false, true] {
        let user = app.add_user(UserRole::Recruiter).await;
        let token = app.token_for(&user).await;
        let ok = |token: String| {
            let app = &app;
            async move { app.get_with_token("/api/v1/roles?q=x", &token).await.status }
        };
        assert_eq!(
            ok(token.clone()).await,
            StatusCode::OK,
            "checked and cached"
        );
        if elsewhere {
            // Another instance deactivates the user: this one learns it from the database.
            let mut row: attache_web::entities::users::ActiveModel =
                attache_web::entities::users::Entity::find_by_id(user.id)
                    .one(&app.db)
                    .await
                    .unwrap()
                    .unwrap()
                    .into();
            row.active = Set(false);
            row.update(&app.db).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(CACHE_SECONDS * 1000 + 200)).await;
        } else {
            attache_web::services::users::set_active(&app.db, admin.id, user.id, false)
                .await
                .unwrap();
        }
        assert_eq!(
            ok(token).await,
            StatusCode::UNAUTHORIZED,
            "elsewhere: {elsewhere}"
        );
    }
}

/// Who records hiring decisions.
const DECIDERS: &[UserRole] = &[UserRole::Admin, UserRole::HiringManager];
/// Who may read requisitions.
const READERS: &[UserRole] = &[
    UserRole::Admin,
    UserRole::Recruiter,
    UserRole::HiringManager,
];

/// Who may reach each route. Every registered route must be listed here: a route added
/// without deciding who may use it fails this test.
fn matrix() -> BTreeMap<(String, String), Access> {
    use Access::*;
    [
        ("GET", "/", SignedIn),
        ("GET", "/sign-in", Public),
        ("POST", "/sign-in", Public),
        ("POST", "/sign-out", SignedIn),
        ("GET", "/roles", SignedIn),
        ("GET", "/roles/{slug}", SignedIn),
        ("GET", "/roles/{slug}/kit", SignedIn),
        ("GET", "/favicon.ico", Public),
        ("GET", "/healthz", Public),
        ("GET", "/readyz", Public),
        ("GET", "/static/{file}", Public),
        ("GET", "/api/openapi.json", SignedIn),
        ("GET", "/setup/{token}", Public),
        ("GET", "/admin/users", Roles(&[UserRole::Admin])),
        ("POST", "/admin/users/{id}/role", Roles(&[UserRole::Admin])),
        (
            "POST",
            "/admin/users/{id}/active",
            Roles(&[UserRole::Admin]),
        ),
        ("POST", "/setup/{token}", Public),
        ("GET", "/account", SignedIn),
        ("POST", "/account/password", SignedIn),
        ("POST", "/account/name", SignedIn),
        ("GET", "/password-reset", Public),
        ("POST", "/password-reset", Public),
        ("GET", "/password-reset/{token}", Public),
        ("POST", "/password-reset/{token}", Public),
        ("GET", "/invitations/{token}", Public),
        ("POST", "/invitations/{token}", Public),
        ("POST", "/admin/invitations", Roles(&[UserRole::Admin])),
        (
            "POST",
            "/admin/invitations/{id}/revoke",
            Roles(&[UserRole::Admin]),
        ),
        ("GET", "/api/v1/roles", SignedIn),
        ("GET", "/api/v1/roles/{slug}", SignedIn),
        ("POST", "/api/v1/requisitions", Roles(EDITORS)),
        ("GET", "/api/v1/requisitions", Roles(READERS)),
        ("POST", "/api/v1/candidates", Roles(EDITORS)),
        ("PATCH", "/api/v1/applications/{id}", Roles(EDITORS)),
        ("GET", "/api/v1/candidates", Roles(READERS)),
        ("POST", "/api/v1/interviews", Roles(EDITORS)),
        ("GET", "/requisitions", Roles(READERS)),
        ("GET", "/requisitions/new", Roles(EDITORS)),
        ("POST", "/requisitions", Roles(EDITORS)),
        ("GET", "/requisitions/{id}", Roles(READERS)),
        ("GET", "/requisitions/{id}/edit", Roles(EDITORS)),
        ("POST", "/requisitions/{id}", Roles(EDITORS)),
        ("POST", "/requisitions/{id}/status", Roles(EDITORS)),
        ("GET", "/requisitions/{id}/import", Roles(EDITORS)),
        ("POST", "/requisitions/{id}/import", Roles(EDITORS)),
        ("POST", "/requisitions/{id}/import/confirm", Roles(EDITORS)),
        ("GET", "/requisitions/{id}/candidates.csv", Roles(READERS)),
        ("GET", "/requisitions/{id}/comparison", Roles(READERS)),
        ("GET", "/requisitions/{id}/comparison.csv", Roles(READERS)),
        (
            "GET",
            "/api/v1/requisitions/{id}/comparison",
            Roles(READERS),
        ),
        ("GET", "/applications/{id}/scorecards", Roles(READERS)),
        ("POST", "/applications/{id}/decision", Roles(DECIDERS)),
        (
            "POST",
            "/api/v1/applications/{id}/decision",
            Roles(DECIDERS),
        ),
        ("GET", "/candidates", Roles(READERS)),
        ("GET", "/candidates/new", Roles(EDITORS)),
        ("POST", "/candidates", Roles(EDITORS)),
        ("GET", "/candidates/{id}", Roles(READERS)),
        ("GET", "/candidates/{id}/edit", Roles(EDITORS)),
        ("POST", "/candidates/{id}", Roles(EDITORS)),
        ("POST", "/candidates/{id}/applications", Roles(EDITORS)),
        ("POST", "/applications/{id}/stage", Roles(EDITORS)),
        ("GET", "/applications/{id}/interviews/new", Roles(EDITORS)),
        ("POST", "/applications/{id}/interviews", Roles(EDITORS)),
        ("GET", "/interviews", SignedIn),
        ("GET", "/interviews/{id}", SignedIn),
        ("GET", "/interviews/{id}/kit", SignedIn),
        ("GET", "/interviews/{id}/edit", Roles(EDITORS)),
        ("POST", "/interviews/{id}", Roles(EDITORS)),
        ("GET", "/interviews/{id}/cancel", Roles(EDITORS)),
        ("POST", "/interviews/{id}/cancel", Roles(EDITORS)),
        ("PUT", "/api/v1/interviews/{id}/scorecard", SignedIn),
        ("POST", "/api/v1/interviews/{id}/scorecard/submit", SignedIn),
        ("POST", "/api/v1/interviews/{id}/scorecard/amend", SignedIn),
        ("GET", "/api/v1/interviews/{id}/scorecards", SignedIn),
        ("GET", "/interviews/{id}/scorecard", SignedIn),
        ("POST", "/interviews/{id}/scorecard", SignedIn),
    ]
    .into_iter()
    .map(|(m, p, a)| ((m.to_owned(), p.to_owned()), a))
    .collect()
}

fn concrete(path: &str) -> String {
    let css = attache_web::assets::assets().url("app.css").unwrap();
    let query = if path == "/api/v1/roles" {
        "?q=diplomat"
    } else {
        ""
    };
    path.replace("/static/{file}", css)
        .replace("{slug}", "diplomat")
        .replace("{token}", "no-such-token")
        .replace("{id}", "1")
        + query
}

fn refused(status: StatusCode, location: &str) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status == StatusCode::SEE_OTHER && location.starts_with("/sign-in?next="))
}

#[tokio::test]
async fn every_route_is_in_the_matrix_and_enforces_it_for_every_role() {
    let table = attache_web::routes::route_table();
    let registered: BTreeMap<(String, String), Access> = table
        .iter()
        .map(|r| ((r.method.to_string(), r.path.clone()), r.access))
        .collect();
    let expected = matrix();
    let missing: Vec<_> = registered
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the matrix: {missing:?}"
    );
    let stale: Vec<_> = expected
        .keys()
        .filter(|k| !registered.contains_key(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "matrix lists routes that do not exist: {stale:?}"
    );
    for (key, access) in &registered {
        assert_eq!(expected[key], *access, "{key:?} declares {access:?}");
    }

    // Then check behaviour: anonymous, each role, and an API token.
    let base = TestApp::new().await;
    // Anonymous, but with a session and its CSRF token, so POSTs test access, not CSRF.
    let mut anonymous = TestApp::new().await;
    let page = anonymous.get("/sign-in").await;
    anonymous.session = Some(support::Signed {
        cookie: csrf_cookie(&page).unwrap(),
        csrf: csrf_in(&page.body),
    });
    let mut callers: Vec<(String, Option<UserRole>, TestApp)> =
        vec![("anonymous".into(), None, anonymous)];
    for role in UserRole::ALL {
        callers.push((
            role.to_string(),
            Some(role),
            TestApp::new().await.with_user(role).await,
        ));
    }
    let token = base.token(UserRole::Interviewer).await;
    // Signing out ends each caller's session, so it goes last.
    let mut order: Vec<_> = expected.iter().collect();
    order.sort_by_key(|((_, path), _)| path == "/sign-out");
    for ((method, path), access) in order {
        let uri = concrete(path);
        for (who, role, app) in &callers {
            let r = match method.as_str() {
                "GET" => app.get(&uri).await,
                m => app.form(m.parse().unwrap(), &uri, "").await,
            };
            let allowed = match (access, role) {
                (Access::Public, _) => true,
                (_, None) => false,
                (Access::SignedIn, Some(_)) => true,
                (Access::Roles(roles), Some(r)) => roles.contains(r),
            };
            let status = r.status;
            let shown = !refused(status, r.header("location"));
            assert_eq!(shown, allowed, "{method} {uri} as {who}: {status}");
        }
        // An interviewer's token reaches what every signed-in user may read, and nothing
        // that needs another role.
        if path.starts_with("/api/v1") {
            let r = base
                .send(
                    method.parse().unwrap(),
                    &uri,
                    &[("authorization", &format!("Bearer {token}"))],
                    None,
                    None,
                )
                .await;
            match access {
                Access::SignedIn => assert!(
                    !refused(r.status, r.header("location")),
                    "{method} {uri} with a token: {}",
                    r.status
                ),
                _ => assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{method} {uri} with a token"
                ),
            }
        }
    }
}

/// An expired session is not honoured, and the clean-up removes it.
#[tokio::test]
async fn expired_sessions_are_refused_and_cleaned_up() {
    use sea_orm::{ActiveModelTrait, PaginatorTrait, Set};
    use tower_sessions::session_store::ExpiredDeletion;
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let rows = attache_web::entities::sessions::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    for row in rows {
        let mut row: attache_web::entities::sessions::ActiveModel = row.into();
        row.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
        row.update(&app.db).await.unwrap();
    }
    assert_eq!(
        app.get("/").await.status,
        StatusCode::SEE_OTHER,
        "expired: sign in again"
    );
    let store = attache_web::auth::session_store::DbSessionStore::new(app.db.clone());
    store.delete_expired().await.unwrap();
    let left = attache_web::entities::sessions::Entity::find()
        .filter(attache_web::entities::sessions::Column::ExpiresAt.lte(chrono::Utc::now()))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// Repeated sign-in attempts get 429 with Retry-After, even with the right password.
#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Recruiter).await;
    let page = app.send(Method::GET, "/sign-in", &[], None, None).await;
    let cookie = csrf_cookie(&page).unwrap();
    let csrf = csrf_in(&page.body);
    let attempt = |password: &'static str| {
        let form = format!(
            "email={}&password={}&csrf_token={csrf}",
            urlencode(&user.email),
            urlencode(password)
        );
        app.send(Method::POST, "/sign-in", &FORM, Some(&cookie), Some(form))
    };
    for _ in 0..10 {
        assert_eq!(
            attempt("wrong password here").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = attempt(PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(r.body.contains("Too many attempts"));
}

/// Guessing API tokens is limited per client address too.
#[tokio::test]
async fn bad_tokens_are_rate_limited() {
    let app = TestApp::new().await;
    for _ in 0..20 {
        assert_eq!(
            app.get_with_token("/api/v1/roles?q=x", "att_guess")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.get_with_token("/api/v1/roles?q=x", "att_guess").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    assert!(!r.header("retry-after").is_empty());
}
