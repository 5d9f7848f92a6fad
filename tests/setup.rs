//! The first admin's one-time set-up link.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::services::setup;
use axum::http::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::{TestApp, csrf_cookie, csrf_in, session_cookie, urlencode};

const FORM: [(&str, &str); 1] = [("content-type", "application/x-www-form-urlencoded")];

async fn submit(
    app: &TestApp,
    token: &str,
    name: &str,
    email: &str,
    password: &str,
    confirm: &str,
) -> support::TestResponse {
    let page = app
        .send(Method::GET, &format!("/setup/{token}"), &[], None, None)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let cookie = csrf_cookie(&page).unwrap();
    let body = format!(
        "name={}&email={}&password={}&confirm={}&csrf_token={}",
        urlencode(name),
        urlencode(email),
        urlencode(password),
        urlencode(confirm),
        csrf_in(&page.body)
    );
    app.send(
        Method::POST,
        &format!("/setup/{token}"),
        &FORM,
        Some(&cookie),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn the_set_up_link_creates_the_first_admin_once_and_signs_them_in() {
    let app = TestApp::new().await;
    let token = setup::start(&app.db).await.unwrap().expect("no users yet");
    let r = submit(
        &app,
        &token,
        "Ada Admin",
        "Ada@Example.org",
        "a long admin password",
        "a long admin password",
    )
    .await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, "/")
    );
    let cookie = session_cookie(&r).unwrap();
    let home = app.send(Method::GET, "/", &[], Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Ada Admin · admin"), "{}", home.body);

    let user = attache_web::services::users::find_by_email(&app.db, "ada@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, UserRole::Admin.as_str());
    // Used: the link is gone, and no new one is offered now that there is a user.
    let again = app
        .send(Method::GET, &format!("/setup/{token}"), &[], None, None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("expired or has already been used"));
    assert_eq!(setup::start(&app.db).await.unwrap(), None);
}

#[tokio::test]
async fn bad_set_up_details_are_shown_beside_their_fields_and_change_nothing() {
    let app = TestApp::new().await;
    let token = setup::start(&app.db).await.unwrap().unwrap();
    let r = submit(&app, &token, " ", "not-an-email", "short", "short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter your name.",
        "Enter an email address like",
        "A password needs at least 12 characters.",
    ] {
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    let r = submit(
        &app,
        &token,
        "Ada",
        "ada@example.org",
        "a long admin password",
        "a different password",
    )
    .await;
    assert!(r.body.contains("The two passwords differ."));
    assert_eq!(
        attache_web::entities::users::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert!(
        setup::is_valid(&app.db, &token).await.unwrap(),
        "the link still works"
    );
}

#[tokio::test]
async fn unknown_links_and_links_after_set_up_are_refused() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/setup/not-a-token").await.status,
        StatusCode::NOT_FOUND
    );
    let token = setup::start(&app.db).await.unwrap().unwrap();
    app.add_user(UserRole::Recruiter).await;
    assert_eq!(
        app.get(&format!("/setup/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
}
