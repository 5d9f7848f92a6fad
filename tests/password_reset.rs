//! Password reset by email: the same answer for known and unknown addresses, single-use
//! hashed links that expire, other sessions signed out, and a notice after the change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::auth::tokens::hash_token;
use attache_web::entities::{audit_events, invitations, users};
use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use support::{TestApp, TestUser, link_token, urlencode};

const NEW_PASSWORD: &str = "a brand new passphrase, also long";

async fn request_reset(app: &TestApp, email: &str) -> support::TestResponse {
    let form = format!("email={}", urlencode(email));
    let (r, _) = app.anonymous_post("/password-reset", &form).await;
    app.settle().await;
    r
}

/// The reset link's token from the newest email to `to`.
async fn token_mailed_to(app: &TestApp, to: &str) -> String {
    let mail = app.mail_to(to).await;
    assert_eq!(mail.subject, "Reset your Attaché password");
    link_token(&mail.text_body, "/password-reset/")
}

async fn set_password(
    app: &TestApp,
    token: &str,
    password: &str,
    confirm: &str,
) -> support::TestResponse {
    let path = format!("/password-reset/{token}");
    let form = format!(
        "password={}&confirm={}",
        urlencode(password),
        urlencode(confirm)
    );
    app.anonymous_post(&path, &form).await.0
}

async fn password_hash(app: &TestApp, user: &TestUser) -> Option<String> {
    users::Entity::find_by_id(user.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .password_hash
}

/// The page without what legitimately differs: the address typed and the session's
/// CSRF token.
fn normalised(body: &str, email: &str) -> String {
    let marker = r#""X-CSRF-Token": ""#;
    let body = body.replace(email, "EMAIL");
    match body.find(marker) {
        Some(at) => {
            let start = at + marker.len();
            let end = start + body[start..].find('"').unwrap();
            format!("{}CSRF{}", &body[..start], &body[end..])
        }
        None => body,
    }
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer_and_only_accounts_get_mail() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    let known = request_reset(&app, &user.email).await;
    let unknown = request_reset(&app, "nobody@example.org").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, known.status);
    assert_eq!(
        normalised(&known.body, &user.email),
        normalised(&unknown.body, "nobody@example.org")
    );
    assert!(known.body.contains("If "), "{}", known.body);

    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].to_address, user.email);
    let links = invitations::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(links, 1, "no link is made for an unknown address");
}

#[tokio::test]
async fn a_reset_link_changes_the_password_once_and_signs_out_other_sessions() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let user = app.user.clone().unwrap();
    assert_eq!(
        app.get("/").await.status,
        StatusCode::OK,
        "signed in elsewhere"
    );

    request_reset(&app, &user.email).await;
    let token = token_mailed_to(&app, &user.email).await;
    let page = app
        .get_anonymously(&format!("/password-reset/{token}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Choose a new password"));

    let r = set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/sign-in?done=password");

    // The session begun before the change is over.
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(home.header("location").starts_with("/sign-in"));
    // The new password works.
    app.sign_in(&user.email, NEW_PASSWORD).await;
    // The link works once.
    let again = set_password(
        &app,
        &token,
        "yet another passphrase!!",
        "yet another passphrase!!",
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let reused = app
        .get_anonymously(&format!("/password-reset/{token}"))
        .await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND);
    assert!(reused.body.contains("expired or has already been used"));

    // The user is told, and the change is audited.
    let notice = app.outbox().await.pop().unwrap();
    assert_eq!(notice.to_address, user.email);
    assert_eq!(notice.subject, "Your Attaché password was changed");
    assert!(notice.text_body.contains("/password-reset"));
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.password_reset"))
        .filter(audit_events::Column::SubjectId.eq(user.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn links_are_stored_hashed_and_expire_within_the_hour() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    request_reset(&app, &user.email).await;
    let token = token_mailed_to(&app, &user.email).await;
    assert_eq!(token.len(), 64, "{token}");

    let link = invitations::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.purpose, "reset");
    assert_eq!(link.token_hash, hash_token(&token));
    assert_ne!(link.token_hash, token);
    let lifetime = link.expires_at - link.created_at;
    assert!(lifetime <= chrono::Duration::hours(1), "{lifetime}");

    let mut expired: invitations::ActiveModel = link.into();
    expired.expires_at = Set(chrono::Utc::now() - chrono::Duration::seconds(1));
    expired.update(&app.db).await.unwrap();
    let r = set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_ne!(
        password_hash(&app, &user).await,
        None,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn asking_again_replaces_the_earlier_link() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    request_reset(&app, &user.email).await;
    let first = token_mailed_to(&app, &user.email).await;
    request_reset(&app, &user.email).await;
    let second = token_mailed_to(&app, &user.email).await;
    assert_ne!(first, second);
    let old = set_password(&app, &first, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    let new = set_password(&app, &second, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_changes_nothing() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    let (r, _) = app
        .anonymous_post("/password-reset", "email=not-an-address")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter an email address"));

    request_reset(&app, &user.email).await;
    let token = token_mailed_to(&app, &user.email).await;
    let before = password_hash(&app, &user).await;
    let mismatch = set_password(&app, &token, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("The two passwords differ."));
    let short = set_password(&app, &token, "short", "short").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("at least 12"), "{}", short.body);
    assert_eq!(password_hash(&app, &user).await, before);
    // The link still works after the mistakes.
    let ok = set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn deactivated_accounts_get_no_link() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    let mut off: users::ActiveModel = users::Entity::find_by_id(user.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    off.active = Set(false);
    off.update(&app.db).await.unwrap();
    let r = request_reset(&app, &user.email).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(app.outbox().await.is_empty());
}

#[tokio::test]
async fn requests_are_rate_limited_per_address_whether_or_not_it_exists() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    for email in [user.email.as_str(), "nobody@example.org"] {
        for _ in 0..3 {
            assert_eq!(request_reset(&app, email).await.status, StatusCode::OK);
        }
        let r = request_reset(&app, email).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        let wait: u64 = r.header("retry-after").parse().unwrap();
        assert!((1..=3600).contains(&wait));
    }
    // Three links asked for, three emails: the fourth request sent nothing.
    assert_eq!(app.outbox().await.len(), 3);
}

#[tokio::test]
async fn the_sign_in_page_offers_a_reset() {
    let app = TestApp::new().await;
    let page = app.get_anonymously("/sign-in").await;
    assert!(
        page.body
            .contains(r#"<a href="/password-reset">Forgot your password?</a>"#)
    );
    let done = app.get_anonymously("/sign-in?done=password").await;
    assert!(done.body.contains("Your password has changed."));
}

#[tokio::test]
async fn a_signed_in_user_changes_their_password_and_only_other_sessions_end() {
    let app = TestApp::new()
        .await
        .with_user(UserRole::HiringManager)
        .await;
    let user = app.user.clone().unwrap();
    let elsewhere = app.sign_in(&user.email, &user.password).await;
    let before = password_hash(&app, &user).await;

    let page = app.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&user.email));
    assert!(page.body.contains("Change your password"));

    let form = |current: &str, new: &str| {
        format!(
            "current={}&password={}&confirm={}",
            urlencode(current),
            urlencode(new),
            urlencode(new)
        )
    };
    let wrong = app
        .post_form(
            "/account/password",
            &form("not my password at all", NEW_PASSWORD),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("That is not your current password."));
    assert_eq!(password_hash(&app, &user).await, before);
    assert!(app.outbox().await.is_empty());

    let ok = app
        .post_form("/account/password", &form(&user.password, NEW_PASSWORD))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.header("location"), "/account?done=password");
    // This session goes on (its id rotated); the other one is over.
    let cookie = support::session_cookie(&ok).expect("the session begins again");
    let here = app
        .send(
            Method::GET,
            "/account?done=password",
            &[],
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(here.status, StatusCode::OK);
    assert!(here.body.contains("Password changed."));
    let there = app
        .send(Method::GET, "/", &[], Some(&elsewhere.cookie), None)
        .await;
    assert_eq!(there.status, StatusCode::SEE_OTHER);

    app.sign_in(&user.email, NEW_PASSWORD).await;
    let notice = app.outbox().await.pop().unwrap();
    assert_eq!(
        (notice.to_address.as_str(), notice.subject.as_str()),
        (user.email.as_str(), "Your Attaché password was changed")
    );
    let audited = app.audit("auth.password_change").await.len();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn expired_unused_links_are_cleaned_up_and_used_ones_kept() {
    let app = TestApp::new().await;
    let user = app.add_user(UserRole::Interviewer).await;
    let other = app.add_user(UserRole::Recruiter).await;
    request_reset(&app, &user.email).await;
    request_reset(&app, &other.email).await;
    let token = token_mailed_to(&app, &other.email).await;
    set_password(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    // Both links are two days old: one unused, one used.
    for link in invitations::Entity::find().all(&app.db).await.unwrap() {
        let mut old: invitations::ActiveModel = link.into();
        old.expires_at = Set(chrono::Utc::now() - chrono::Duration::days(2));
        old.update(&app.db).await.unwrap();
    }
    let removed = attache_web::services::links::delete_expired(&app.db)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let left = invitations::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].used_at.is_some());
}
