//! Admins manage users: roles and access, audited; nobody else can.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::users;
use axum::http::StatusCode;
use sea_orm::EntityTrait;
use support::TestApp;

async fn user(app: &TestApp, id: i32) -> users::Model {
    users::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn admin_changes_a_role_and_the_change_is_audited() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let other = app.add_user(UserRole::Interviewer).await;
    let page = app.get("/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&other.email));
    assert!(
        page.body.contains(r#"<a href="/admin/users">Users</a>"#),
        "admins see the link"
    );

    let r = app
        .post_form(
            &format!("/admin/users/{}/role", other.id),
            "role=hiring_manager",
        )
        .await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, "/admin/users?done=role")
    );
    assert_eq!(user(&app, other.id).await.role, "hiring_manager");
    let event = app.audit("user.role_change").await.remove(0);
    assert_eq!(event.actor_id, app.user.as_ref().map(|u| u.id));
    assert_eq!(event.subject_id, Some(other.id));
    assert_eq!(
        event.detail,
        serde_json::json!({"from": "interviewer", "to": "hiring_manager"})
    );
}

#[tokio::test]
async fn a_bad_role_is_a_clear_400_and_changes_nothing() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let other = app.add_user(UserRole::Recruiter).await;
    let r = app
        .post_form(&format!("/admin/users/{}/role", other.id), "role=emperor")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("unknown role"));
    assert_eq!(user(&app, other.id).await.role, "recruiter");
    assert_eq!(
        app.post_form("/admin/users/99999/role", "role=admin")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_at_once_and_can_be_reactivated() {
    let admin = TestApp::new().await.with_user(UserRole::Admin).await;
    let victim = admin.add_user(UserRole::Recruiter).await;
    let victim_session = admin.sign_in(&victim.email, &victim.password).await;
    // Deactivating asks first, and asking changes nothing.
    let path = format!("/admin/users/{}/active", victim.id);
    let ask = admin.post_form(&path, "active=false").await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body.contains("Deactivate Test recruiter?"),
        "{}",
        ask.body
    );
    assert!(ask.body.contains(r#"name="confirm" value="yes""#));
    assert!(user(&admin, victim.id).await.active);
    let r = admin.post_form(&path, "active=false&confirm=yes").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = admin
        .send(
            axum::http::Method::GET,
            "/",
            &[],
            Some(&victim_session.cookie),
            None,
        )
        .await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "signed out");
    assert!(admin.get("/admin/users").await.body.contains("Deactivated"));
    admin
        .post_form(&format!("/admin/users/{}/active", victim.id), "active=true")
        .await;
    assert!(user(&admin, victim.id).await.active);
}

/// Attaché always keeps an active admin: the last one cannot demote or deactivate themself.
#[tokio::test]
async fn the_last_active_admin_cannot_be_removed() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    let me = app.user.clone().unwrap().id;
    for (path, form) in [
        ("role", "role=recruiter&confirm=yes"),
        ("active", "active=false&confirm=yes"),
    ] {
        let r = app
            .post_form(&format!("/admin/users/{me}/{path}"), form)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{path}");
        assert!(r.body.contains("at least one active admin"));
    }
    assert_eq!(user(&app, me).await.role, "admin");
    // With a second admin, the first may step down.
    let second = app.add_user(UserRole::Admin).await;
    assert!(second.id > 0);
    // Giving up one's own admin access asks first.
    let ask = app
        .post_form(&format!("/admin/users/{me}/role"), "role=recruiter")
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body.contains("Make yourself a recruiter?"),
        "{}",
        ask.body
    );
    assert_eq!(user(&app, me).await.role, "admin");
    let r = app
        .post_form(
            &format!("/admin/users/{me}/role"),
            "role=recruiter&confirm=yes",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// New people are invited with the least access unless the admin chooses more, and
/// destructive buttons look it.
#[tokio::test]
async fn invitations_default_to_interviewer_and_destructive_actions_look_destructive() {
    let app = TestApp::new().await.with_user(UserRole::Admin).await;
    app.add_user(UserRole::Recruiter).await;
    let page = app.get("/admin/users").await.body;
    assert!(
        page.contains(r#"<option value="interviewer" selected>interviewer</option>"#),
        "{page}"
    );
    assert!(page.contains(r#"class="danger-outline">Deactivate…"#));
}

#[tokio::test]
async fn non_admins_cannot_reach_the_admin_pages() {
    for role in [
        UserRole::Recruiter,
        UserRole::Interviewer,
        UserRole::HiringManager,
    ] {
        let app = TestApp::new().await.with_user(role).await;
        assert_eq!(
            app.get("/admin/users").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let me = app.user.clone().unwrap().id;
        let r = app
            .post_form(&format!("/admin/users/{me}/role"), "role=admin")
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{role} cannot promote themself"
        );
        assert_eq!(user(&app, me).await.role, role.as_str());
        assert!(
            !app.get("/").await.body.contains("/admin/users"),
            "no link for {role}"
        );
    }
}
