//! Regression tests for what a probe of the shipped app found (issue 8): each test failed
//! before its fix. The request log's redaction of one-time tokens is tested on the real
//! binary in `serve.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::{invitations, mail_outbox, sessions, users};
use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use support::{PASSWORD, TestApp, csrf_cookie, csrf_in, link_token, session_cookie, urlencode};

const FORM: [(&str, &str); 1] = [("content-type", "application/x-www-form-urlencoded")];
const NEW_PASSWORD: &str = "another long passphrase here";

async fn user_row(app: &TestApp, id: i32) -> users::Model {
    users::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn set_user(app: &TestApp, id: i32, change: impl FnOnce(&mut users::ActiveModel)) {
    let mut row: users::ActiveModel = user_row(app, id).await.into();
    change(&mut row);
    row.update(&app.db).await.unwrap();
}

/// Sign in through the form with `next`, as a browser following a crafted link would.
async fn sign_in_with_next(app: &TestApp, email: &str, next: &str) -> support::TestResponse {
    let form = format!(
        "email={}&password={}&next={next}",
        urlencode(email),
        urlencode(PASSWORD)
    );
    app.anonymous_post("/sign-in", &form).await.0
}

// 1. Open redirect through control characters in `next`.

#[tokio::test]
async fn next_with_control_characters_or_backslashes_goes_home() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let email = app.user.clone().unwrap().email;
    for next in [
        "/%09/evil.example",
        "/%0a",
        "/%0d",
        "/%00",
        "/%5C%5Cevil.example",
        "/%C3%A9",
    ] {
        let r = app.get(&format!("/sign-in?next={next}")).await;
        assert_eq!(
            (r.status, r.header("location")),
            (StatusCode::SEE_OTHER, "/"),
            "signed in, next={next}"
        );
        let r = sign_in_with_next(&app, &email, next).await;
        assert_eq!(
            (r.status, r.header("location")),
            (StatusCode::SEE_OTHER, "/"),
            "after sign-in, next={next}"
        );
    }
    let r = app.get("/sign-in?next=/roles%3Fq%3Dtrack").await;
    assert_eq!(
        r.header("location"),
        "/roles?q=track",
        "a real path is kept"
    );
}

// 3. A reset link outlives a password change.

#[tokio::test]
async fn changing_a_password_spends_every_unused_reset_link() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let user = app.user.clone().unwrap();
    let (r, _) = app
        .anonymous_post(
            "/password-reset",
            &format!("email={}", urlencode(&user.email)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.settle().await;
    let token = link_token(
        &app.mail_to(&user.email).await.text_body,
        "/password-reset/",
    );

    let form = format!(
        "current={}&password={}&confirm={}",
        urlencode(PASSWORD),
        urlencode(NEW_PASSWORD),
        urlencode(NEW_PASSWORD)
    );
    let r = app.post_form("/account/password", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after_change = user_row(&app, user.id).await.password_hash;

    let old_link = app
        .get_anonymously(&format!("/password-reset/{token}"))
        .await;
    assert_eq!(old_link.status, StatusCode::NOT_FOUND);
    let form = format!(
        "password={}&confirm={}",
        urlencode("the attacker's new password"),
        urlencode("the attacker's new password")
    );
    let (r, _) = app
        .anonymous_post(&format!("/password-reset/{token}"), &form)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(user_row(&app, user.id).await.password_hash, after_change);
}

// 4. Invitations outlive their sender's authority.

/// An admin (not the signed-in one) invites `email` as admin; returns that admin's id and
/// the invitation's token.
async fn invitation_from_second_admin(app: &mut TestApp, email: &str) -> (i32, String) {
    let first = app.session.clone();
    let second = app.add_user(UserRole::Admin).await;
    app.session = Some(app.sign_in(&second.email, PASSWORD).await);
    let r = app
        .post_form(
            "/admin/invitations",
            &format!("email={}&role=admin", urlencode(email)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.session = first;
    let token = link_token(&app.mail_to(email).await.text_body, "/invitations/");
    (second.id, token)
}

async fn accept(app: &TestApp, token: &str) -> support::TestResponse {
    let form = format!(
        "name=Eve&password={}&confirm={}",
        urlencode(PASSWORD),
        urlencode(PASSWORD)
    );
    app.anonymous_post(&format!("/invitations/{token}"), &form)
        .await
        .0
}

async fn admins_named_eve(app: &TestApp) -> u64 {
    users::Entity::find()
        .filter(users::Column::Name.eq("Eve"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn demoting_an_admin_withdraws_the_invitations_they_sent() {
    let mut app = TestApp::new().await.with_user(UserRole::Admin).await;
    let (sender, token) = invitation_from_second_admin(&mut app, "eve@example.org").await;
    let r = app
        .post_form(&format!("/admin/users/{sender}/role"), "role=recruiter")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_anonymously(&format!("/invitations/{token}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(accept(&app, &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admins_named_eve(&app).await, 0);
    assert!(
        !app.get("/admin/users")
            .await
            .body
            .contains("eve@example.org")
    );
}

#[tokio::test]
async fn deactivating_an_admin_withdraws_the_invitations_they_sent() {
    let mut app = TestApp::new().await.with_user(UserRole::Admin).await;
    let (sender, token) = invitation_from_second_admin(&mut app, "eve@example.org").await;
    let r = app
        .post_form(
            &format!("/admin/users/{sender}/active"),
            "active=false&confirm=yes",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(accept(&app, &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admins_named_eve(&app).await, 0);
}

/// Even when the sender loses their role some other way than through the admin page,
/// accepting checks that they are still an active admin.
#[tokio::test]
async fn accepting_an_invitation_checks_the_sender_is_still_an_admin() {
    let mut app = TestApp::new().await.with_user(UserRole::Admin).await;
    let (sender, token) = invitation_from_second_admin(&mut app, "eve@example.org").await;
    set_user(&app, sender, |u| u.role = Set("interviewer".to_owned())).await;
    assert_eq!(accept(&app, &token).await.status, StatusCode::NOT_FOUND);

    let (sender, token) = invitation_from_second_admin(&mut app, "eve2@example.org").await;
    set_user(&app, sender, |u| u.active = Set(false)).await;
    assert_eq!(accept(&app, &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admins_named_eve(&app).await, 0);

    // While the sender is still an admin, the same kind of link works.
    let (_, token) = invitation_from_second_admin(&mut app, "eve3@example.org").await;
    assert_eq!(accept(&app, &token).await.status, StatusCode::SEE_OTHER);
    assert_eq!(admins_named_eve(&app).await, 1);
}

// 5. The CSRF token is not renewed at sign-in.

#[tokio::test]
async fn the_csrf_token_is_new_after_sign_in_and_the_old_one_is_refused() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    let page = app.send(Method::GET, "/sign-in", &[], None, None).await;
    let before = csrf_in(&page.body);
    let form = format!(
        "email={}&password={}&csrf_token={before}",
        urlencode(&user.email),
        urlencode(PASSWORD)
    );
    let cookie = csrf_cookie(&page).unwrap();
    let r = app
        .send(Method::POST, "/sign-in", &FORM, Some(&cookie), Some(form))
        .await;
    let session = session_cookie(&r).unwrap();
    let home = app.send(Method::GET, "/", &[], Some(&session), None).await;
    let after = csrf_in(&home.body);
    assert_ne!(before, after);
    let both = format!("{session}; {cookie}");
    let with_old = app
        .send(
            Method::POST,
            "/sign-out",
            &FORM,
            Some(&both),
            Some(format!("csrf_token={before}")),
        )
        .await;
    assert_eq!(with_old.status, StatusCode::FORBIDDEN);
    let with_new = app
        .send(
            Method::POST,
            "/sign-out",
            &FORM,
            Some(&both),
            Some(format!("csrf_token={after}")),
        )
        .await;
    assert_eq!(with_new.status, StatusCode::SEE_OTHER);
}

// 6. Deactivated accounts can be told apart by timing.

/// Every sign-in runs exactly one password verification, whatever the account's state,
/// so the time taken tells nothing.
#[tokio::test]
async fn every_sign_in_verifies_one_password_whatever_the_account() {
    let app = TestApp::new().await;
    let active = app.add_user(UserRole::Recruiter).await;
    let inactive = app.add_user(UserRole::Recruiter).await;
    set_user(&app, inactive.id, |u| u.active = Set(false)).await;
    let attempt = |email: String, password: &'static str| {
        let app = &app;
        async move {
            let form = format!(
                "email={}&password={}",
                urlencode(&email),
                urlencode(password)
            );
            let before = app.state.passwords.verifications_run();
            let (r, _) = app.anonymous_post("/sign-in", &form).await;
            (r.status, app.state.passwords.verifications_run() - before)
        }
    };
    assert_eq!(
        attempt(inactive.email.clone(), PASSWORD).await,
        (StatusCode::UNAUTHORIZED, 1),
        "deactivated, right password"
    );
    assert_eq!(
        attempt(inactive.email.clone(), "a wrong password!").await,
        (StatusCode::UNAUTHORIZED, 1),
        "deactivated, wrong password"
    );
    assert_eq!(
        attempt("nobody@example.org".into(), PASSWORD).await,
        (StatusCode::UNAUTHORIZED, 1),
        "no such account"
    );
    assert_eq!(
        attempt(active.email.clone(), "a wrong password!").await,
        (StatusCode::UNAUTHORIZED, 1),
        "active, wrong password"
    );
    assert_eq!(
        attempt(active.email.clone(), PASSWORD).await,
        (StatusCode::SEE_OTHER, 1),
        "active, right password"
    );
}

// 7. Unauthenticated hashing on POST /setup/{anything}.

fn setup_form() -> String {
    format!(
        "name=Mallory&email=m%40example.org&password={}&confirm={}",
        urlencode(PASSWORD),
        urlencode(PASSWORD)
    )
}

#[tokio::test]
async fn set_up_links_are_checked_before_any_hashing_and_rate_limited() {
    let app = TestApp::new().await;
    let hashes = app.state.passwords.hashes_computed();
    let (r, _) = app.anonymous_post("/setup/made-up", &setup_form()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.state.passwords.hashes_computed(),
        hashes,
        "made-up link"
    );

    // A real link, but set-up is finished: users exist.
    let token = attache_web::services::setup::start(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.add_user(UserRole::Admin).await;
    let hashes = app.state.passwords.hashes_computed();
    let (r, _) = app
        .anonymous_post(&format!("/setup/{token}"), &setup_form())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.state.passwords.hashes_computed(),
        hashes,
        "setup is over"
    );

    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(
            app.anonymous_post("/setup/made-up", &setup_form())
                .await
                .0
                .status,
        );
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(app.state.passwords.hashes_computed(), hashes);
}

// 8. No length limits.

#[tokio::test]
async fn over_long_text_is_refused_naming_the_field_and_its_limit() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let r = app
        .post_form(
            "/admin/invitations",
            "email=long%40example.org&role=recruiter",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let token = link_token(
        &app.mail_to("long@example.org").await.text_body,
        "/invitations/",
    );
    for name in ["N".repeat(201), "N".repeat(1_500_000)] {
        let form = format!(
            "name={name}&password={}&confirm={}",
            urlencode(PASSWORD),
            urlencode(PASSWORD)
        );
        let (r, _) = app
            .anonymous_post(&format!("/invitations/{token}"), &form)
            .await;
        assert!(r.status.is_client_error(), "{}", r.status);
        if name.len() == 201 {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                r.body
                    .contains("Name may have at most 200 characters; this has 201."),
                "{}",
                &r.body[..r.body.len().min(2000)]
            );
        }
    }
    let count = users::Entity::find()
        .filter(users::Column::Email.eq("long@example.org"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let long_email = format!("{}@example.org", "a".repeat(300));
    let r = app
        .post_form(
            "/admin/invitations",
            &format!("email={}&role=recruiter", urlencode(&long_email)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Email address may have at most 254 characters")
    );

    let q = "diplomat ".repeat(30);
    let r = app.get(&format!("/roles?q={}", urlencode(&q))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Search text may have at most 200 characters")
    );
    let r = app.get(&format!("/api/v1/roles?q={}", urlencode(&q))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["code"], "invalid");
    assert!(
        r.json()["error"]["fields"]["q"]
            .as_str()
            .unwrap()
            .contains("at most 200 characters")
    );

    let form = format!("email={}&password=x", urlencode(&long_email));
    let (r, _) = app.anonymous_post("/sign-in", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Email address may have at most 254 characters")
    );
}

// 9. Email addresses are barely validated.

#[tokio::test]
async fn unsafe_or_undeliverable_addresses_are_refused_before_anything_is_stored() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    for bad in [
        "\"><svg onload=alert(1)>@x.co",
        "ana\u{202E}gro.elpmaxe@x.co",
        "ana\u{0}@x.co",
        "ana@[127.0.0.1]",
    ] {
        let r = app
            .post_form(
                "/admin/invitations",
                &format!("email={}&role=recruiter", urlencode(bad)),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(
            r.body
                .contains("Enter an email address like name@example.org.")
        );
        assert!(!r.body.contains("Invitation sent"));
    }
    assert_eq!(invitations::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(mail_outbox::Entity::find().count(&app.db).await.unwrap(), 0);
}

// 10. A stored session for every anonymous page view.

#[tokio::test]
async fn anonymous_visitors_leave_no_session_rows() {
    let app = TestApp::new().await;
    for _ in 0..50 {
        for page in ["/sign-in", "/password-reset", "/roles"] {
            app.get_anonymously(page).await;
        }
    }
    // A failed sign-in stores nothing either.
    let (r, _) = app
        .anonymous_post(
            "/sign-in",
            "email=nobody%40example.org&password=whatever+it+is",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);
}

/// An anonymous form needs the cookie that came with its page: a token alone, or a
/// token signed by some other key, is refused.
#[tokio::test]
async fn anonymous_forms_need_their_signed_cookie() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Recruiter).await;
    let page = app.get_anonymously("/sign-in").await;
    let token = csrf_in(&page.body);
    let form = format!(
        "email={}&password={}&csrf_token={token}",
        urlencode(&user.email),
        urlencode(PASSWORD)
    );
    let without_cookie = app
        .send(Method::POST, "/sign-in", &FORM, None, Some(form.clone()))
        .await;
    assert_eq!(without_cookie.status, StatusCode::FORBIDDEN);
    let forged = format!(
        "{}={}.{}",
        attache_web::auth::csrf::COOKIE,
        "a".repeat(32),
        "b".repeat(64)
    );
    let forged_form = format!(
        "email={}&password={}&csrf_token={}",
        urlencode(&user.email),
        urlencode(PASSWORD),
        forged.split_once('=').unwrap().1
    );
    let r = app
        .send(
            Method::POST,
            "/sign-in",
            &FORM,
            Some(&forged),
            Some(forged_form),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let cookie = csrf_cookie(&page).unwrap();
    let ok = app
        .send(Method::POST, "/sign-in", &FORM, Some(&cookie), Some(form))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

// 11. Bearer tokens work on the HTML admin routes.

#[tokio::test]
async fn api_tokens_do_not_work_on_pages() {
    let app = TestApp::new().await;
    let target = app.add_user(UserRole::Interviewer).await;
    let token = app.token(UserRole::Admin).await;
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let r = app
        .send(
            Method::POST,
            &format!("/admin/users/{}/role", target.id),
            &headers,
            None,
            Some("role=admin".into()),
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER, "{}", r.header("location"));
    assert_eq!(user_row(&app, target.id).await.role, "interviewer");
    let r = app
        .send(Method::GET, "/admin/users", &headers[..1], None, None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/sign-in"));
    // The API still takes it.
    assert_eq!(
        app.get_with_token("/api/v1/roles?q=diplomat", &token)
            .await
            .status,
        StatusCode::OK
    );
}

// 12. Framework rejections leak as plain text.

#[tokio::test]
async fn rejections_are_styled_pages_or_the_apis_json_errors() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let r = app.post_form("/admin/users/abc/role", "role=admin").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(!r.body.contains("Cannot parse"), "{}", r.body);
    assert!(
        r.body.contains("Sign out"),
        "the error page keeps the navigation"
    );

    let r = app.post_form("/admin/users/1/role", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(
        r.body.contains("This form is missing something"),
        "{}",
        r.body
    );

    let csrf = app.session.clone().unwrap().csrf;
    let r = app
        .request(Method::DELETE, "/roles", &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.header("content-type").starts_with("text/html"));

    let r = app
        .request(Method::DELETE, "/api/v1/roles", &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.json()["error"]["code"], "method_not_allowed");

    let r = app.get("/api/v1/roles?q=diplomat&limit=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "invalid_limit");
    let r = app.get("/api/v1/nothing-here").await;
    assert_eq!(r.json()["error"]["code"], "not_found");
}

// 13. Cache keys.

#[tokio::test]
async fn role_search_says_it_varies_with_hx_request_and_signed_in_pages_are_not_stored() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for headers in [&[][..], &[("hx-request", "true")][..]] {
        let r = app.request(Method::GET, "/roles?q=track+ii", headers).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("vary"), "HX-Request");
        assert_eq!(r.header("cache-control"), "no-store");
    }
    assert_eq!(
        app.get("/account").await.header("cache-control"),
        "no-store"
    );
}

// 14. The per-account sign-in limit let anyone lock a known user out.

#[tokio::test]
async fn a_stranger_guessing_from_one_address_does_not_lock_the_owner_out() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Recruiter).await;
    let page = app.get_anonymously("/sign-in").await;
    let cookie = csrf_cookie(&page).unwrap();
    let attempt = |peer: &'static str, password: &'static str| {
        let form = format!(
            "email={}&password={}&csrf_token={}",
            urlencode(&user.email),
            urlencode(password),
            csrf_in(&page.body)
        );
        let app = &app;
        let cookie = cookie.clone();
        async move {
            app.send_from(
                Some(peer.parse().unwrap()),
                Method::POST,
                "/sign-in",
                &FORM,
                Some(&cookie),
                Some(form),
            )
            .await
            .status
        }
    };
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = attempt("203.0.113.66:40000", "a wrong guess here").await;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger is stopped"
    );
    assert_eq!(
        attempt("198.51.100.7:50000", PASSWORD).await,
        StatusCode::SEE_OTHER,
        "the owner, from their own address, signs in"
    );
}

/// A write to the API with no token and no session is told to authenticate (401), not
/// refused as a forged form: nobody is signed in, so there is nothing to forge.
#[tokio::test]
async fn an_anonymous_api_write_is_asked_to_authenticate() {
    let app = TestApp::new().await;
    let body =
        r#"{"role": "mediator", "title": "Mediation adviser", "hiring_manager": "x@example.org"}"#;
    let r = app
        .send(
            Method::POST,
            "/api/v1/requisitions",
            &[("content-type", "application/json")],
            None,
            Some(body.to_owned()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "unauthenticated");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    // Signed in with a session, the same write without a CSRF token is still refused.
    let signed = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let cookie = signed.session.clone().unwrap().cookie;
    let r = signed
        .send(
            Method::POST,
            "/api/v1/requisitions",
            &[("content-type", "application/json")],
            Some(&cookie),
            Some(body.to_owned()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}
