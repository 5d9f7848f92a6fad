//! `GET /api/v1/roles` and `GET /api/v1/roles/{slug}`, and the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use axum::http::StatusCode;
use support::TestApp;

#[tokio::test]
async fn search_puts_track_two_first_for_track_ii() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/api/v1/roles?q=track%20ii&limit=2").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/json");
    insta::assert_json_snapshot!(r.json());
}

#[tokio::test]
async fn search_for_an_unrelated_job_returns_no_results() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/api/v1/roles?q=pastry+chef").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({"query": "pastry chef", "results": []})
    );
}

/// Without a query, every role: slug, title, track and summary, by track.
#[tokio::test]
async fn without_a_query_every_role_is_listed() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for uri in ["/api/v1/roles", "/api/v1/roles?q=%20"] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let roles = r.json()["roles"].as_array().unwrap().clone();
        assert_eq!(roles.len(), 14, "{uri}");
        assert_eq!(roles[0]["track"], "1");
        assert_eq!(roles[13]["track"], "5");
        for role in &roles {
            for key in ["slug", "title", "track", "summary"] {
                assert!(role[key].is_string(), "{key} in {role}");
            }
        }
        assert!(
            roles
                .iter()
                .any(|r| r["slug"] == "track-two-diplomacy-practitioner")
        );
    }
}

#[tokio::test]
async fn a_bad_limit_is_a_clear_400() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for (uri, code) in [
        ("/api/v1/roles?q=diplomat&limit=0", "invalid_limit"),
        ("/api/v1/roles?q=diplomat&limit=101", "invalid_limit"),
        ("/api/v1/roles?q=diplomat&limit=ten", "invalid_limit"),
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(r.json()["error"]["code"], code, "{uri}");
        assert!(r.json()["error"]["message"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn role_has_the_api_shape_and_the_bank_version() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/api/v1/roles/diplomat").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["track"], "1");
    assert_eq!(v["title"], "Diplomats");
    for key in [
        "titles",
        "synonyms",
        "resume_examples",
        "related",
        "sourcing",
        "questions",
        "version",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    assert!(v.get("hidden_labels").is_none());
    let q = &v["questions"][0];
    assert_eq!(q["id"], "t1-basic-protocol");
    assert_eq!(q["level"], "basic");
    assert_eq!(q["criteria"][0]["anchors"].as_array().unwrap().len(), 4);
    let role = app.state.taxonomy.role("diplomat").unwrap();
    assert_eq!(v["version"], attache_core::bank_version(&role.questions));
}

#[tokio::test]
async fn unknown_role_and_unknown_api_path_are_json_404s() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    for uri in ["/api/v1/roles/pastry-chef", "/api/v1/nothing"] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(r.json()["error"]["code"], "not_found");
    }
}

/// The OpenAPI document is generated from the handlers and describes both operations.
#[tokio::test]
async fn openapi_document_describes_the_role_operations() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let r = app.get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    assert!(v["paths"]["/api/v1/roles"]["get"].is_object());
    assert!(v["paths"]["/api/v1/roles/{slug}"]["get"].is_object());
    let schemas = &v["components"]["schemas"];
    for s in [
        "SearchResponse",
        "SearchHit",
        "RoleDetail",
        "Question",
        "Criterion",
    ] {
        assert!(schemas[s].is_object(), "schema {s} missing");
    }
}

/// Every operation declares the answers any request can get besides its own (malformed,
/// unauthenticated, forbidden, rate-limited, busy), each with the error body's schema.
#[tokio::test]
async fn every_operation_declares_the_common_errors_with_their_body() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let v = app.get("/api/openapi.json").await.json();
    assert!(v["components"]["schemas"]["Error"]["properties"]["error"].is_object());
    let mut operations = 0;
    for (path, item) in v["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "401", "403", "429", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path}: no {status}"
                );
            }
            assert_eq!(
                responses.contains_key("413"),
                op.get("requestBody").is_some(),
                "{method} {path}"
            );
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 14, "{operations} operations");
}

/// The recruiter workspace's operations are in the OpenAPI document too, with SPEC's
/// field names.
#[tokio::test]
async fn openapi_document_describes_the_workspace_operations() {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let v = app.get("/api/openapi.json").await.json();
    for (path, method) in [
        ("/api/v1/requisitions", "get"),
        ("/api/v1/requisitions", "post"),
        ("/api/v1/candidates", "get"),
        ("/api/v1/candidates", "post"),
        ("/api/v1/applications/{id}", "patch"),
        ("/api/v1/interviews", "post"),
    ] {
        assert!(
            v["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let schemas = &v["components"]["schemas"];
    let fields = |name: &str| -> Vec<String> {
        schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("schema {name} missing"))
            .keys()
            .cloned()
            .collect()
    };
    for f in [
        "application_id",
        "interviewers",
        "questions",
        "scheduled_at",
        "duration_minutes",
    ] {
        assert!(
            fields("NewInterview").contains(&f.to_owned()),
            "NewInterview.{f}"
        );
    }
    assert!(fields("Results").contains(&"results".to_owned()));
    for f in ["id", "name", "current_title", "matched"] {
        assert!(fields("Hit").contains(&f.to_owned()), "Hit.{f}");
    }
}
