//! The scorecard form without JavaScript (Save and Submit buttons) and with htmx
//! (autosave), stale pages, and who may open it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{TestApp, urlencode};

/// An interview with the signed-in interviewer on its panel; its id and the kit.
async fn setup() -> (TestApp, i64, Vec<Value>) {
    let app = TestApp::new().await.with_user(UserRole::Interviewer).await;
    let me = app.user.clone().unwrap();
    let recruiter = app.token(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    let r = post_as(
        &app,
        &recruiter,
        "/api/v1/requisitions",
        json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email}),
    )
    .await;
    let c = post_as(
        &app,
        &recruiter,
        "/api/v1/candidates",
        json!({"name": "Kofi Mensah", "email": "kofi@example.org", "requisition_id": r["id"]}),
    )
    .await;
    let i = post_as(&app, &recruiter, "/api/v1/interviews", json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z", "duration_minutes": 45, "interviewers": [me.email]})).await;
    let role: Value = app
        .get_with_token("/api/v1/roles/mediator", &recruiter)
        .await
        .json();
    let kit = i["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            role["questions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["id"] == *id)
                .unwrap()
                .clone()
        })
        .collect();
    (app, i["id"].as_i64().unwrap(), kit)
}

/// POST `body` to `uri` with `token`; the JSON answer.
async fn post_as(app: &TestApp, token: &str, uri: &str, body: Value) -> Value {
    app.call_json(Method::POST, uri, token, body).await.1
}

/// Form fields rating every criterion `score`.
fn all_scores(kit: &[Value], score: &str) -> String {
    kit.iter()
        .flat_map(|q| {
            q["criteria"].as_array().unwrap().iter().map(move |c| {
                format!(
                    "{}={score}",
                    urlencode(&format!(
                        "score::{}::{}",
                        q["id"].as_str().unwrap(),
                        c["id"].as_str().unwrap()
                    ))
                )
            })
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn an_interviewer_saves_a_draft_then_submits_without_javascript() {
    let (app, id, kit) = setup().await;
    let page = app.get(&format!("/interviews/{id}/scorecard")).await;
    assert_eq!(page.status, StatusCode::OK);
    let anchor = kit[0]["criteria"][0]["anchors"][3].as_str().unwrap();
    let escaped = anchor.replace('\'', "&#x27;").replace('"', "&quot;");
    assert!(
        page.body.contains(&escaped) || page.body.contains(anchor),
        "every anchor is on the page"
    );
    assert!(page.body.contains("Not assessed"));

    let form = format!(
        "{}&summary=Calm&lock_version=0&action=save",
        all_scores(&kit, "3")
    );
    let r = app
        .post_form(&format!("/interviews/{id}/scorecard"), &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get(&format!("/interviews/{id}/scorecard?done=saved"))
        .await;
    assert!(page.body.contains("Draft saved"));
    assert!(
        page.body.contains(r#"value="3" checked"#),
        "the draft is restored"
    );
    assert!(page.body.contains(r#"name="lock_version" value="1""#));

    // The same page submitted again after another save is stale: 409, the newer draft shown.
    let stale = format!(
        "{}&summary=Old&lock_version=0&action=save",
        all_scores(&kit, "1")
    );
    let r = app
        .post_form(&format!("/interviews/{id}/scorecard"), &stale)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("saved from another page"), "{}", r.body);
    assert!(
        r.body.contains(">Calm</textarea>"),
        "the newer draft is shown"
    );

    let no_recommendation = format!("{}&lock_version=1&action=submit", all_scores(&kit, "3"));
    let r = app
        .post_form(&format!("/interviews/{id}/scorecard"), &no_recommendation)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Choose an overall recommendation"),
        "{}",
        r.body
    );

    let full = format!(
        "{}&recommendation=yes&summary=Calm&lock_version=1&action=submit",
        all_scores(&kit, "3")
    );
    let r = app
        .post_form(&format!("/interviews/{id}/scorecard"), &full)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/interviews/{id}/scorecard")).await;
    assert!(page.body.contains("Your scorecard"));
    assert!(!page.body.contains("Submit scorecard"), "locked");
    let list = app.get("/interviews").await;
    assert!(
        list.body.contains("Your scorecard: Submitted"),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn typing_autosaves_the_draft_through_htmx() {
    let (app, id, kit) = setup().await;
    let s = app.session.clone().unwrap();
    let body = format!(
        "{}&summary=Typing&lock_version=0&csrf_token={}",
        all_scores(&kit, "2"),
        s.csrf
    );
    let r = app
        .send(
            Method::POST,
            &format!("/interviews/{id}/scorecard"),
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("hx-request", "true"),
            ],
            Some(&s.cookie),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Draft saved at"), "{}", r.body);
    assert!(
        r.body.contains(r#"value="1" hx-swap-oob="true""#),
        "{}",
        r.body
    );
    let page = app.get(&format!("/interviews/{id}/scorecard")).await;
    assert!(page.body.contains(">Typing</textarea>"));
}

#[tokio::test]
async fn only_the_panel_opens_a_scorecard() {
    let (app, id, _) = setup().await;
    let outsider = app.add_user(UserRole::Interviewer).await;
    let mut app = app;
    app.session = Some(app.sign_in(&outsider.email, &outsider.password).await);
    assert_eq!(
        app.get(&format!("/interviews/{id}/scorecard")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post_form(
            &format!("/interviews/{id}/scorecard"),
            "summary=x&action=save",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_submitted_scorecard_is_amended_with_a_reason_from_the_page() {
    let (app, id, kit) = setup().await;
    let full = format!(
        "{}&recommendation=yes&summary=Calm&action=submit",
        all_scores(&kit, "3")
    );
    app.post_form(&format!("/interviews/{id}/scorecard"), &full)
        .await;
    let page = app
        .get(&format!("/interviews/{id}/scorecard?amend=1"))
        .await;
    assert!(page.body.contains("Save the amendment"), "{}", page.body);
    let no_reason = format!(
        "{}&recommendation=no&summary=Calm&action=amend&reason=",
        all_scores(&kit, "2")
    );
    let r = app
        .post_form(&format!("/interviews/{id}/scorecard"), &no_reason)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Say why the scorecard changes"),
        "{}",
        r.body
    );
    let amended = format!(
        "{}&recommendation=no&summary=Calm&action=amend&reason=Misread+an+anchor",
        all_scores(&kit, "2")
    );
    let r = app
        .post_form(&format!("/interviews/{id}/scorecard"), &amended)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get(&format!("/interviews/{id}/scorecard?done=amended"))
        .await;
    assert!(page.body.contains("amended 1 time"), "{}", page.body);
}

/// The interview's printable kit: its own questions (with guidance and anchors), the
/// candidate, the interviewer's name, the focus question marked; for those who may see the
/// interview only.
#[tokio::test]
async fn the_interview_kit_prints_the_interviews_questions_with_focus_marked() {
    let app = TestApp::new().await.with_user(UserRole::Interviewer).await;
    let me = app.user.clone().unwrap();
    let recruiter = app.token(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    let role: Value = app
        .get_with_token("/api/v1/roles/mediator", &recruiter)
        .await
        .json();
    let questions = role["questions"].as_array().unwrap();
    let (first, last) = (&questions[0], &questions[questions.len() - 1]);
    let r = post_as(
        &app,
        &recruiter,
        "/api/v1/requisitions",
        json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email}),
    )
    .await;
    let c = post_as(&app, &recruiter, "/api/v1/candidates",
        json!({"name": "Kofi Mensah", "email": "kofi@example.org", "summary": "Ran village dialogues in the Volta region.", "requisition_id": r["id"]}),
    )
    .await;
    let i = post_as(&app, &recruiter, "/api/v1/interviews",
        json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z", "duration_minutes": 45,
               "interviewers": [me.email], "questions": [first["id"], last["id"]], "focus": {last["id"].as_str().unwrap(): me.email}}),
    )
    .await;
    let id = i["id"].as_i64().unwrap();

    let kit = app.get(&format!("/interviews/{id}/kit")).await;
    assert_eq!(kit.status, StatusCode::OK, "{}", kit.body);
    let body = &kit.body;
    assert!(body.contains("Interview kit: Kofi Mensah"), "{body}");
    assert!(
        body.contains("Ran village dialogues"),
        "the candidate's summary"
    );
    assert!(
        body.contains(&format!("<dd>Test {}</dd>", UserRole::Interviewer)),
        "the interviewer's name"
    );
    let esc = |s: &Value| {
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.render_str("{{ s }}", minijinja::context! { s => s })
            .unwrap()
    };
    for q in [first, last] {
        assert!(body.contains(&esc(&q["text"])), "question {}", q["id"]);
        assert!(
            body.contains(&esc(&q["guidance"])),
            "guidance of {}",
            q["id"]
        );
        assert!(
            body.contains(&esc(&q["criteria"][0]["anchors"][3])),
            "anchors of {}",
            q["id"]
        );
    }
    assert_eq!(
        body.matches("class=\"question kit-question\"").count(),
        2,
        "only the interview's questions"
    );
    let focus_at = body
        .find(&format!("Focus: Test {}", UserRole::Interviewer))
        .expect("the focus question is marked");
    assert!(
        focus_at > body.find(&esc(&last["text"])).unwrap(),
        "on the last question"
    );
    assert!(
        body.find(&esc(&first["text"])).unwrap() < body.find(&esc(&last["text"])).unwrap(),
        "in kit order"
    );

    // The interview page links to it; the hiring manager may open it; no one else may.
    let show = app.get(&format!("/interviews/{id}")).await;
    assert!(
        show.body.contains(&format!("/interviews/{id}/kit")),
        "{}",
        show.body
    );
    let as_user = |who: support::TestUser| {
        let app = &app;
        async move {
            let signed = app.sign_in(&who.email, &who.password).await;
            app.send(
                Method::GET,
                &format!("/interviews/{id}/kit"),
                &[],
                Some(&signed.cookie),
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(
        as_user(manager).await,
        StatusCode::OK,
        "the requisition's hiring manager"
    );
    let stranger = app.add_user(UserRole::Interviewer).await;
    assert_eq!(
        as_user(stranger).await,
        StatusCode::NOT_FOUND,
        "an interviewer not on the panel"
    );
}
