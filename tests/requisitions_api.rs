//! The recruiter workspace through the JSON API: requisitions, candidates, stage moves,
//! and who sees which of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::{applications, audit_events, candidates, requisitions};
use axum::http::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use support::{TestApp, TestUser};

/// The message the 422 `body` gives for `name`.
fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body["error"]["fields"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no message for {name} in {body}"))
}

/// An app with a recruiter (and their token) and a hiring manager.
struct World {
    app: TestApp,
    recruiter: String,
    manager: TestUser,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let recruiter = app.token(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    World {
        app,
        recruiter,
        manager,
    }
}

impl World {
    async fn call(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let r = self.app.json_with_token(method, uri, token, &body).await;
        let json = if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
        };
        (r.status, json)
    }

    /// A requisition for Track Two owned by `manager`, made by the recruiter.
    async fn requisition(&self, manager: &TestUser) -> i64 {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/requisitions",
                &self.recruiter,
                json!({"role": "track-two-diplomacy-practitioner", "title": "Dialogue lead, Caucasus", "hiring_manager": manager.email}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    async fn candidate(&self, email: &str, requisition: Option<i64>) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/v1/candidates",
            &self.recruiter,
            json!({"name": "Lena Haas", "email": email, "current_title": "Second Track Diplomacy Lead", "requisition_id": requisition}),
        )
        .await
    }
}

#[tokio::test]
async fn a_recruiter_opens_a_requisition_with_a_panel() {
    let w = world().await;
    let interviewer = w.app.add_user(UserRole::Interviewer).await;
    let (status, body) = w
        .call(
            Method::POST,
            "/api/v1/requisitions",
            &w.recruiter,
            json!({
                "role": "mediator",
                "title": "  Mediation Adviser, Sahel  ",
                "hiring_manager": w.manager.email.to_uppercase(),
                "panel": [interviewer.email, interviewer.email],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["title"], "Mediation Adviser, Sahel");
    assert_eq!(body["role"], "mediator");
    assert_eq!(body["role_title"], "Mediators and Dialogue Facilitators");
    assert_eq!(body["status"], "open");
    assert_eq!(body["hiring_manager"]["email"], w.manager.email);
    assert_eq!(
        body["panel"].as_array().unwrap().len(),
        1,
        "the panel has each person once"
    );
    assert_eq!(body["panel"][0]["email"], interviewer.email);
    for stage in [
        "sourced",
        "screening",
        "interviewing",
        "decision",
        "hired",
        "withdrawn",
    ] {
        assert_eq!(body["stages"][stage], 0, "{stage}");
    }
    let (status, list) = w
        .call(
            Method::GET,
            "/api/v1/requisitions",
            &w.recruiter,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["requisitions"][0]["id"], body["id"]);
}

#[tokio::test]
async fn a_bad_requisition_names_every_wrong_field_and_creates_nothing() {
    let w = world().await;
    let other = w.app.add_user(UserRole::Recruiter).await;
    let (status, body) = w
        .call(
            Method::POST,
            "/api/v1/requisitions",
            &w.recruiter,
            json!({"role": "astronaut", "title": " ", "hiring_manager": other.email, "panel": ["nobody@example.org"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = &body["error"]["fields"];
    for field in ["role", "title", "hiring_manager", "panel"] {
        assert!(fields[field].is_string(), "{field} in {body}");
    }
    assert!(
        fields["hiring_manager"]
            .as_str()
            .unwrap()
            .contains("not an active hiring manager"),
        "{body}"
    );
    assert_eq!(
        requisitions::Entity::find().count(&w.app.db).await.unwrap(),
        0
    );

    let (status, body) = w
        .call(
            Method::POST,
            "/api/v1/requisitions",
            &w.recruiter,
            json!({"role": "mediator", "title": "x".repeat(201), "hiring_manager": w.manager.email}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body, "title").contains("at most 200"));

    let (status, body) = w
        .call(
            Method::POST,
            "/api/v1/requisitions",
            &w.recruiter,
            json!({"role": "mediator", "title": "T", "hiring_manager": w.manager.email, "salary": 1}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("salary")
    );
    assert_eq!(
        requisitions::Entity::find().count(&w.app.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn candidates_join_a_requisition_once_per_email_whatever_the_capitals() {
    let w = world().await;
    let requisition = w.requisition(&w.manager).await;
    let (status, body) = w
        .candidate("Lena.Haas@Example.org", Some(requisition))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["email"], "lena.haas@example.org");
    assert!(body["application_id"].is_i64());

    let (status, body) = w
        .candidate("LENA.HAAS@example.ORG", Some(requisition))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "candidate_exists");
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        1
    );
    assert_eq!(
        applications::Entity::find().count(&w.app.db).await.unwrap(),
        1
    );

    let (_, list) = w
        .call(
            Method::GET,
            "/api/v1/requisitions",
            &w.recruiter,
            Value::Null,
        )
        .await;
    assert_eq!(list["requisitions"][0]["stages"]["sourced"], 1);

    let (status, body) = w.candidate("new@example.org", Some(999_999)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["requisition_id"].is_string());
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        1,
        "a failed application leaves no candidate behind"
    );
}

#[tokio::test]
async fn a_closed_requisition_takes_no_new_candidates() {
    let w = world().await;
    let requisition = w.requisition(&w.manager).await;
    let recruiter = w.app.add_user(UserRole::Recruiter).await;
    let actor = attache_web::auth::current::CurrentUser {
        id: recruiter.id,
        email: recruiter.email.clone(),
        name: "R".into(),
        role: UserRole::Recruiter,
    };
    attache_web::services::requisitions::set_status(
        &w.app.db,
        &actor,
        i32::try_from(requisition).unwrap(),
        attache_core::RequisitionStatus::Closed,
    )
    .await
    .unwrap();
    let (status, body) = w.candidate("late@example.org", Some(requisition)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(field(&body, "requisition_id").contains("closed"));
}

#[tokio::test]
async fn stages_move_with_their_reason_in_the_audit_log() {
    let w = world().await;
    let requisition = w.requisition(&w.manager).await;
    let (_, candidate) = w.candidate("lena@example.org", Some(requisition)).await;
    let application = candidate["application_id"].as_i64().unwrap();
    let uri = format!("/api/v1/applications/{application}");

    let (status, body) = w
        .call(
            Method::PATCH,
            &uri,
            &w.recruiter,
            json!({"stage": "screening", "reason": "Strong Track II record"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], "screening");
    let events = audit_events::Entity::find().all(&w.app.db).await.unwrap();
    let moved = events
        .iter()
        .find(|e| e.action == "application.stage")
        .unwrap();
    assert_eq!(moved.detail["from"], "sourced");
    assert_eq!(moved.detail["to"], "screening");
    assert_eq!(moved.detail["reason"], "Strong Track II record");

    let (status, body) = w
        .call(Method::PATCH, &uri, &w.recruiter, json!({"stage": "offer"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body, "stage").contains("sourced, screening"));

    let (status, _) = w
        .call(
            Method::PATCH,
            "/api/v1/applications/999999",
            &w.recruiter,
            json!({"stage": "hired"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = w
        .call(
            Method::GET,
            "/api/v1/requisitions",
            &w.recruiter,
            Value::Null,
        )
        .await;
    assert_eq!(list["requisitions"][0]["stages"]["screening"], 1);
    assert_eq!(list["requisitions"][0]["stages"]["sourced"], 0);
}

#[tokio::test]
async fn hiring_managers_see_only_their_own_requisitions_and_change_nothing() {
    let w = world().await;
    let other_manager = w.app.add_user(UserRole::HiringManager).await;
    let mine = w.requisition(&w.manager).await;
    let theirs = w.requisition(&other_manager).await;
    let token = w.app.token_for(&w.manager).await;

    let (status, list) = w
        .call(Method::GET, "/api/v1/requisitions", &token, Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<i64> = list["requisitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![mine]);
    assert_ne!(mine, theirs);

    let (status, _) = w
        .call(
            Method::POST,
            "/api/v1/candidates",
            &token,
            json!({"name": "X", "email": "x@example.org", "requisition_id": mine}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let interviewer = w.app.token(UserRole::Interviewer).await;
    let (status, _) = w
        .call(
            Method::GET,
            "/api/v1/requisitions",
            &interviewer,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_hiring_manager_reaches_candidates_only_through_their_requisitions() {
    let w = world().await;
    let other_manager = w.app.add_user(UserRole::HiringManager).await;
    let mine = w.requisition(&w.manager).await;
    let theirs = w.requisition(&other_manager).await;
    let (_, on_mine) = w.candidate("mine@example.org", Some(mine)).await;
    let (_, on_theirs) = w.candidate("theirs@example.org", Some(theirs)).await;
    let (_, nowhere) = w.candidate("nowhere@example.org", None).await;

    let user = |u: &TestUser| attache_web::auth::current::CurrentUser {
        id: u.id,
        email: u.email.clone(),
        name: "M".into(),
        role: UserRole::HiringManager,
    };
    let me = user(&w.manager);
    let see = |v: &Value| i32::try_from(v["id"].as_i64().unwrap()).unwrap();
    let visible = |id| attache_web::services::candidates::find_visible(&w.app.db, &me, id);
    assert!(visible(see(&on_mine)).await.is_ok());
    for hidden in [see(&on_theirs), see(&nowhere), 999_999] {
        let err = visible(hidden).await.unwrap_err().to_string();
        assert_eq!(
            err, "No candidate has this number.",
            "not yours reads as not there"
        );
    }
    let apps = attache_web::services::candidates::applications_of(&w.app.db, &me, see(&on_mine))
        .await
        .unwrap();
    assert_eq!(apps.len(), 1);
}
