//! Bad input of any kind gets a clear 4xx and changes nothing, never a 5xx or a panic:
//! generated CSV files for the import, and generated JSON bodies, query strings and form
//! bodies against the API and the pages, on a database with a real requisition, candidate
//! and interview behind the ids.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::{candidates, decisions, interviews, requisitions, scorecards};
use axum::http::Method;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use support::TestApp;

const CSV: &str = "name,email,current_title,summary,stage\n\
Ana Ruiz,ana@example.org,Track II facilitator,Ran dialogues,screening\n\
Kofi Mensah,kofi@example.org,Back-channel negotiator,,sourced\n";

fn check_csv(bytes: &[u8]) {
    if let Err(errors) = attache_web::services::import::parse(bytes) {
        assert!(!errors.is_empty());
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        for e in &errors {
            assert!(e.line <= lines, "line {} of {lines}: {}", e.line, e.message);
            assert!(!e.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_are_imported_or_refused_line_by_line(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_csv(&bytes);
    }

    #[test]
    fn a_damaged_csv_is_imported_or_refused_line_by_line(
        start in 0usize..CSV.len(),
        len in 0usize..40,
        insert in "[,\"\n\r=+@a-z\u{feff}\u{202e} ]{0,12}",
    ) {
        let end = (start + len).min(CSV.len());
        let damaged = format!("{}{insert}{}", &CSV[..start], &CSV[end..]);
        check_csv(damaged.as_bytes());
    }
}

/// A JSON value of the kinds the API reads, nested a little, with the API's own field
/// names among the keys so that bodies reach the checks behind parsing.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::from),
        Just(json!("mediator")),
        Just(json!("2031-03-04T10:00:00Z")),
        Just(json!("yes")),
        Just(json!(3)),
    ];
    let key = prop_oneof![
        Just("role".to_owned()),
        Just("title".to_owned()),
        Just("hiring_manager".to_owned()),
        Just("name".to_owned()),
        Just("email".to_owned()),
        Just("requisition_id".to_owned()),
        Just("application_id".to_owned()),
        Just("scheduled_at".to_owned()),
        Just("interviewers".to_owned()),
        Just("questions".to_owned()),
        Just("ratings".to_owned()),
        Just("recommendation".to_owned()),
        Just("decision".to_owned()),
        Just("reason".to_owned()),
        Just("stage".to_owned()),
        Just("lock_version".to_owned()),
        "[a-z_]{1,12}",
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

async fn counts(app: &TestApp) -> [u64; 5] {
    [
        requisitions::Entity::find().count(&app.db).await.unwrap(),
        candidates::Entity::find().count(&app.db).await.unwrap(),
        interviews::Entity::find().count(&app.db).await.unwrap(),
        scorecards::Entity::find().count(&app.db).await.unwrap(),
        decisions::Entity::find().count(&app.db).await.unwrap(),
    ]
}

#[test]
fn generated_api_bodies_get_a_4xx_and_change_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, admin, panel, ids) = rt.block_on(async {
        let app = TestApp::new().await;
        let admin = app.token(UserRole::Admin).await;
        let interviewer = app.add_user(UserRole::Interviewer).await;
        let manager = app.add_user(UserRole::HiringManager).await;
        let (_, r) = app.call_json(Method::POST, "/api/v1/requisitions", &admin,
            json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email})).await;
        let (_, c) = app.call_json(Method::POST, "/api/v1/candidates", &admin,
            json!({"name": "Kofi Mensah", "email": "kofi@example.org", "requisition_id": r["id"]})).await;
        let (_, i) = app.call_json(Method::POST, "/api/v1/interviews", &admin,
            json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z",
                   "duration_minutes": 60, "interviewers": [interviewer.email]})).await;
        let panel = app.token_for(&interviewer).await;
        (app, admin, panel, (r["id"].clone(), c["application_id"].clone(), i["id"].clone()))
    });
    let (requisition, application, interview) = ids;
    let endpoints: Vec<(Method, String, bool)> = vec![
        (Method::POST, "/api/v1/requisitions".into(), false),
        (Method::POST, "/api/v1/candidates".into(), false),
        (Method::POST, "/api/v1/interviews".into(), false),
        (
            Method::PATCH,
            format!("/api/v1/applications/{application}"),
            false,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/{application}/decision"),
            false,
        ),
        (
            Method::PUT,
            format!("/api/v1/interviews/{interview}/scorecard"),
            true,
        ),
        (
            Method::POST,
            format!("/api/v1/interviews/{interview}/scorecard/submit"),
            true,
        ),
        (
            Method::POST,
            format!("/api/v1/interviews/{interview}/scorecard/amend"),
            true,
        ),
    ];
    let mut runner = TestRunner::new(Config::with_cases(400));
    let strategy = (
        0..endpoints.len(),
        prop_oneof![json_value().prop_map(|v| v.to_string()), "\\PC{0,80}"],
    );
    runner
        .run(&strategy, |(n, body)| {
            let (method, uri, as_panel) = &endpoints[n];
            let token = if *as_panel { &panel } else { &admin };
            rt.block_on(async {
                let before = counts(&app).await;
                let r = app
                    .send(
                        method.clone(),
                        uri,
                        &[
                            ("authorization", &format!("Bearer {token}")),
                            ("content-type", "application/json"),
                        ],
                        None,
                        Some(body.clone()),
                    )
                    .await;
                assert!(
                    r.status.is_client_error() || r.status.is_success(),
                    "{method} {uri} with {body:?}: {} {}",
                    r.status,
                    r.body
                );
                if r.status.is_client_error() {
                    let e: Value = serde_json::from_str(&r.body)
                        .unwrap_or_else(|_| panic!("{method} {uri}: not JSON: {}", r.body));
                    assert!(
                        e["error"]["message"]
                            .as_str()
                            .is_some_and(|m| !m.is_empty()),
                        "{e}"
                    );
                    assert_eq!(
                        counts(&app).await,
                        before,
                        "{method} {uri} with {body:?} changed something"
                    );
                }
            });
            Ok(())
        })
        .unwrap();
    // Query strings too.
    let mut runner = TestRunner::new(Config::with_cases(200));
    runner
        .run(&"\\PC{0,60}", |q| {
            rt.block_on(async {
                let q = support::urlencode(&q);
                for uri in [
                    format!("/api/v1/roles?q={q}&limit={q}"),
                    format!(
                        "/api/v1/candidates?q={q}&requisition={requisition}&stage={q}&page={q}"
                    ),
                ] {
                    let r = app.get_with_token(&uri, &admin).await;
                    assert!(
                        r.status.is_client_error() || r.status.is_success(),
                        "{uri}: {} {}",
                        r.status,
                        r.body
                    );
                }
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn generated_form_bodies_get_a_4xx_or_a_page_and_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(async { TestApp::new().await.with_user(UserRole::Admin).await });
    let csrf = app.session.as_ref().unwrap().csrf.clone();
    let forms = [
        "/requisitions",
        "/candidates",
        "/admin/invitations",
        "/account/name",
    ];
    let mut runner = TestRunner::new(Config::with_cases(200));
    let field = prop_oneof![
        Just("name"),
        Just("email"),
        Just("title"),
        Just("role"),
        Just("hiring_manager"),
        Just("summary"),
        Just("current_title"),
        Just("panel"),
        Just("stage"),
        Just("x"),
    ];
    let strategy = (
        0..forms.len(),
        proptest::collection::vec((field, "\\PC{0,60}"), 0..6),
    );
    runner
        .run(&strategy, |(n, pairs)| {
            let body = pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", support::urlencode(v)))
                .chain([format!("csrf_token={csrf}")])
                .collect::<Vec<_>>()
                .join("&");
            rt.block_on(async {
                let before = counts(&app).await;
                let r = app.post_form(forms[n], &body).await;
                assert!(
                    !r.status.is_server_error(),
                    "{} with {body}: {} {}",
                    forms[n],
                    r.status,
                    r.body
                );
                if r.status.is_client_error() {
                    assert_eq!(
                        counts(&app).await,
                        before,
                        "{} with {body} changed something",
                        forms[n]
                    );
                }
            });
            Ok(())
        })
        .unwrap();
}
