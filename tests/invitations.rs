//! Admins invite people by email; the link lets them choose a name and password once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::{invitations, users};
use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use support::{PASSWORD, TestApp, link_token, urlencode};

async fn invite(app: &TestApp, email: &str, role: &str) -> support::TestResponse {
    app.post_form(
        "/admin/invitations",
        &format!("email={}&role={role}", urlencode(email)),
    )
    .await
}

async fn invitation_token(app: &TestApp, to: &str) -> String {
    let mail = app.mail_to(to).await;
    link_token(&mail.text_body, "/invitations/")
}

async fn accept(app: &TestApp, token: &str, name: &str) -> (support::TestResponse, String) {
    let form = format!(
        "name={}&password={}&confirm={}",
        urlencode(name),
        urlencode(PASSWORD),
        urlencode(PASSWORD)
    );
    app.anonymous_post(&format!("/invitations/{token}"), &form)
        .await
}

#[tokio::test]
async fn an_invited_person_joins_with_the_role_they_were_invited_as() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let r = invite(&app, "Lena.Hart@Example.org", "hiring_manager").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/admin/users?done=invited");

    let mail = app.outbox().await.pop().unwrap();
    assert_eq!(mail.to_address, "lena.hart@example.org");
    assert_eq!(mail.subject, "Test admin invited you to Attaché");
    assert!(
        mail.text_body.contains("as hiring manager"),
        "{}",
        mail.text_body
    );
    let token = invitation_token(&app, "lena.hart@example.org").await;

    let admin_page = app.get("/admin/users?done=invited").await;
    assert!(admin_page.body.contains("Invitation sent."));
    assert!(
        admin_page.body.contains("lena.hart@example.org"),
        "listed as pending"
    );

    let page = app.get_anonymously(&format!("/invitations/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("lena.hart@example.org"));
    assert!(page.body.contains("invited as hiring manager"));

    let (r, cookie) = accept(&app, &token, "Lena Hart").await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, "/"),
        "{}",
        r.body
    );
    let home = app.send(Method::GET, "/", &[], Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK, "signed in as the new user");
    assert!(home.body.contains("Lena Hart"));

    let user = users::Entity::find()
        .filter(users::Column::Email.eq("lena.hart@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.name.as_str(), user.role.as_str()),
        ("Lena Hart", "hiring_manager")
    );
    app.sign_in("lena.hart@example.org", PASSWORD).await;

    // The link works once, and the invitation is no longer pending.
    let (again, _) = accept(&app, &token, "Someone Else").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let admin_page = app.get("/admin/users").await;
    assert!(!admin_page.body.contains("Invitations not yet accepted"));
    let invited = app.audit("user.invite").await.len();
    assert_eq!(invited, 1);
}

#[tokio::test]
async fn inviting_an_existing_user_or_a_bad_address_changes_nothing() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let other = app.add_user(UserRole::Interviewer).await;
    let taken = invite(&app, &other.email.to_uppercase(), "recruiter").await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        taken.body.contains("already has an account"),
        "{}",
        taken.body
    );

    let bad = invite(&app, "not an address", "recruiter").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter an email address"));
    assert!(
        bad.body.contains(r#"value="not an address""#),
        "the form keeps what was typed"
    );

    let role = invite(&app, "new@example.org", "ambassador").await;
    assert_eq!(role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(role.body.contains("is not one"));

    assert!(app.outbox().await.is_empty());
    assert_eq!(invitations::Entity::find().count(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_new_invitation_replaces_the_old_and_a_withdrawn_one_stops_working() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    invite(&app, "sam@example.org", "interviewer").await;
    let first = invitation_token(&app, "sam@example.org").await;
    invite(&app, "sam@example.org", "recruiter").await;
    let second = invitation_token(&app, "sam@example.org").await;
    let old = app.get_anonymously(&format!("/invitations/{first}")).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    assert!(old.body.contains("Ask an admin for a new one"));

    let pending = invitations::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    let path = format!("/admin/invitations/{}/revoke", pending[0].id);
    let ask = app.post_form(&path, "").await;
    assert!(
        ask.body
            .contains("Withdraw the invitation to sam@example.org?")
    );
    let r = app.post_form(&path, "confirm=yes").await;
    assert_eq!(r.header("location"), "/admin/users?done=revoked");
    let (gone, _) = accept(&app, &second, "Sam").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let twice = app.post_form(&path, "confirm=yes").await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        1,
        "only the admin"
    );
}

#[tokio::test]
async fn an_expired_invitation_or_a_bad_form_creates_no_account() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    invite(&app, "kim@example.org", "interviewer").await;
    let token = invitation_token(&app, "kim@example.org").await;

    let (blank, _) = app
        .anonymous_post(
            &format!("/invitations/{token}"),
            "name=&password=short&confirm=short",
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("Enter your name."));
    assert!(blank.body.contains("at least 12"));

    let link = invitations::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(link.expires_at - link.created_at <= chrono::Duration::hours(1));
    let mut expired: invitations::ActiveModel = link.into();
    expired.expires_at = Set(chrono::Utc::now() - chrono::Duration::seconds(1));
    expired.update(&app.db).await.unwrap();
    let (late, _) = accept(&app, &token, "Kim").await;
    assert_eq!(late.status, StatusCode::NOT_FOUND);
    assert_eq!(
        users::Entity::find().count(&app.db).await.unwrap(),
        1,
        "only the admin"
    );
}
