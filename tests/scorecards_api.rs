//! Scorecards through the API: drafts with stale-page protection, submitting (once),
//! amendments with reasons, and blind review.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::{panel_members, ratings, scorecard_revisions, scorecards};
use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use support::{TestApp, TestUser};

/// An interview of a Track Two candidate with two interviewers, and tokens for everyone.
struct World {
    app: TestApp,
    interview: i64,
    first: String,
    second: String,
    manager: String,
    recruiter: String,
    kit: Vec<Value>,
}

async fn call(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    app.call_json(method, uri, token, body).await
}

async fn world() -> World {
    let app = TestApp::new().await;
    let recruiter = app.token(UserRole::Recruiter).await;
    let manager_user = app.add_user(UserRole::HiringManager).await;
    let manager = app.token_for(&manager_user).await;
    let a: TestUser = app.add_user(UserRole::Interviewer).await;
    let b: TestUser = app.add_user(UserRole::Interviewer).await;
    let (_, r) = call(&app, Method::POST, "/api/v1/requisitions", &recruiter,
        json!({"role": "track-two-diplomacy-practitioner", "title": "Dialogue lead", "hiring_manager": manager_user.email})).await;
    let (_, c) = call(
        &app,
        Method::POST,
        "/api/v1/candidates",
        &recruiter,
        json!({"name": "Ana Ruiz", "email": "ana@example.org", "requisition_id": r["id"]}),
    )
    .await;
    let (status, i) = call(
        &app,
        Method::POST,
        "/api/v1/interviews",
        &recruiter,
        json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z",
               "duration_minutes": 60, "interviewers": [a.email, b.email]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{i}");
    let role: Value = app
        .get_with_token("/api/v1/roles/track-two-diplomacy-practitioner", &recruiter)
        .await
        .json();
    let kit: Vec<Value> = i["questions"]
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
    World {
        interview: i["id"].as_i64().unwrap(),
        first: app.token_for(&a).await,
        second: app.token_for(&b).await,
        manager,
        recruiter,
        kit,
        app,
    }
}

impl World {
    /// Submit `body` as the interviewer with this token.
    async fn submit(&self, token: &str, body: Value) -> (StatusCode, Value) {
        call(
            &self.app,
            Method::POST,
            &self.uri("/scorecard/submit"),
            token,
            body,
        )
        .await
    }

    fn uri(&self, tail: &str) -> String {
        format!("/api/v1/interviews/{}{tail}", self.interview)
    }

    /// Every criterion of the kit rated `score`, with a recommendation.
    fn full(&self, score: u8, recommendation: &str) -> Value {
        let ratings: Vec<Value> = self
            .kit
            .iter()
            .flat_map(|q| {
                q["criteria"].as_array().unwrap().iter().map(
                    move |c| json!({"question": q["id"], "criterion": c["id"], "score": score}),
                )
            })
            .collect();
        json!({"ratings": ratings, "recommendation": recommendation, "summary": "Clear and careful.",
               "notes": {self.kit[0]["id"].as_str().unwrap(): "Strong example from the Caucasus."}})
    }

    async fn scorecards(&self, token: &str) -> (StatusCode, Vec<String>) {
        let (status, body) = call(
            &self.app,
            Method::GET,
            &self.uri("/scorecards"),
            token,
            Value::Null,
        )
        .await;
        let who = body["scorecards"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        format!(
                            "{}:{}",
                            s["interviewer_email"].as_str().unwrap(),
                            s["status"].as_str().unwrap()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        (status, who)
    }
}

#[tokio::test]
async fn a_draft_from_a_stale_page_is_refused_not_saved_over() {
    let w = world().await;
    let (status, d) = call(
        &w.app,
        Method::PUT,
        &w.uri("/scorecard"),
        &w.first,
        json!({"summary": "first"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "draft");
    assert_eq!(d["lock_version"], 1);
    let (status, _) = call(
        &w.app,
        Method::PUT,
        &w.uri("/scorecard"),
        &w.first,
        json!({"summary": "second", "lock_version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A tab opened at version 1 saves late.
    let (status, e) = call(
        &w.app,
        Method::PUT,
        &w.uri("/scorecard"),
        &w.first,
        json!({"summary": "stale", "lock_version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "stale_draft");
    let (_, mine) = call(
        &w.app,
        Method::GET,
        &w.uri("/scorecards"),
        &w.first,
        Value::Null,
    )
    .await;
    assert_eq!(
        mine["scorecards"][0]["summary"], "second",
        "the newer draft stands"
    );
}

#[tokio::test]
async fn submitting_checks_locks_and_happens_once() {
    let w = world().await;
    let mut no_recommendation = w.full(3, "yes");
    no_recommendation["recommendation"] = Value::Null;
    let (status, e) = w.submit(&w.first, no_recommendation).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["fields"]["recommendation"].is_string());
    let mut bad = w.full(3, "yes");
    bad["ratings"][0]["score"] = json!(5);
    bad["ratings"][1]["criterion"] = json!("not-a-criterion");
    let (status, e) = w.submit(&w.first, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        ratings::Entity::find().count(&w.app.db).await.unwrap(),
        0,
        "nothing written"
    );

    let body = w.full(3, "yes");
    let (status, s) = w.submit(&w.first, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["status"], "submitted");
    assert!(
        s["bank_version"].as_str().unwrap().len() >= 8,
        "pinned to its bank version"
    );
    // A double submit (a retry, a second click) is the same scorecard.
    let (status, again) = w.submit(&w.first, body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], s["id"]);
    // Different content, or a draft save, is refused: that is an amendment.
    let (status, _) = w.submit(&w.first, w.full(1, "no")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        &w.app,
        Method::PUT,
        &w.uri("/scorecard"),
        &w.first,
        json!({"summary": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The first revision holds the scorecard as it was answered, and the audit log has
    // the submission (without candidate text).
    let revisions = scorecard_revisions::Entity::find()
        .all(&w.app.db)
        .await
        .unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].revision, 1);
    assert_eq!(revisions[0].reason, "");
    assert_eq!(revisions[0].snapshot, s);
    let submits = w.app.audit("scorecard.submit").await;
    assert_eq!(submits.len(), 1);
    assert_eq!(submits[0].subject_id, s["id"].as_i64().map(|id| id as i32));
    assert_eq!(submits[0].detail, json!({"interview_id": w.interview}));
    // No more reminders for this interviewer.
    let due = panel_members::Entity::find()
        .filter(panel_members::Column::NextReminderAt.is_not_null())
        .count(&w.app.db)
        .await
        .unwrap();
    assert_eq!(due, 1, "only the second interviewer is still reminded");
}

/// Two tabs submit at once: both read "no scorecard yet", one insert wins, the other is
/// refused by the unique key and answered with the winner's scorecard, not an error.
#[tokio::test]
async fn simultaneous_submits_from_two_tabs_make_one_scorecard() {
    let w = world().await;
    let body = w.full(3, "yes");
    let ((a, x), (b, y)) = tokio::join!(
        w.submit(&w.first, body.clone()),
        w.submit(&w.first, body.clone())
    );
    assert_eq!((a, b), (StatusCode::OK, StatusCode::OK), "{x} {y}");
    assert_eq!(x["id"], y["id"]);
    assert_eq!(
        scorecards::Entity::find().count(&w.app.db).await.unwrap(),
        1
    );
    assert_eq!(
        scorecard_revisions::Entity::find()
            .count(&w.app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_amendment_needs_a_reason_and_keeps_the_original() {
    let w = world().await;
    w.submit(&w.first, w.full(3, "yes")).await;
    let (status, _) = call(
        &w.app,
        Method::POST,
        &w.uri("/scorecard/amend"),
        &w.first,
        json!({"scorecard": w.full(2, "no"), "reason": " "}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, s) = call(
        &w.app,
        Method::POST,
        &w.uri("/scorecard/amend"),
        &w.first,
        json!({"scorecard": w.full(2, "no"), "reason": "Misread the anchor for level 3"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["recommendation"], "no");
    assert_eq!(s["amendments"], 1);
    let revisions = scorecard_revisions::Entity::find()
        .all(&w.app.db)
        .await
        .unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(
        revisions[0].snapshot["recommendation"], "yes",
        "the original is kept"
    );
    let audit = w.app.audit("scorecard.amend").await.remove(0);
    assert_eq!(audit.detail["reason"], "Misread the anchor for level 3");
}

#[tokio::test]
async fn an_interviewer_sees_no_other_scorecard_until_their_own_is_in() {
    let w = world().await;
    w.submit(&w.first, w.full(4, "strong_yes")).await;
    // The second interviewer has a draft: they see only it.
    call(
        &w.app,
        Method::PUT,
        &w.uri("/scorecard"),
        &w.second,
        json!({"summary": "thinking"}),
    )
    .await;
    let (status, seen) = w.scorecards(&w.second).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].ends_with(":draft"), "{seen:?}");
    // The hiring manager and recruiter see submitted scorecards, never others' drafts.
    assert_eq!(w.scorecards(&w.manager).await.1.len(), 1);
    assert_eq!(w.scorecards(&w.recruiter).await.1.len(), 1);
    // Once the second submits, both see both.
    w.submit(&w.second, w.full(2, "no")).await;
    assert_eq!(w.scorecards(&w.second).await.1.len(), 2);
    assert_eq!(w.scorecards(&w.first).await.1.len(), 2);
    // Outsiders get what a missing interview gets.
    let stranger = w.app.token(UserRole::Interviewer).await;
    let other_manager = w.app.token(UserRole::HiringManager).await;
    for token in [&stranger, &other_manager] {
        let (status, _) = w.scorecards(token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(&w.app, Method::PUT, &w.uri("/scorecard"), token, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = call(
        &w.app,
        Method::GET,
        "/api/v1/interviews/999999/scorecards",
        &stranger,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Reminders start an hour after the interview ends, then daily, at most five, and stop
/// at the submission; two instances sending at once send each reminder once.
#[tokio::test]
async fn reminders_go_daily_at_most_five_times_and_stop_at_submission() {
    use attache_web::entities::mail_outbox;
    use attache_web::services::reminders::send_due;
    use chrono::{Duration, TimeZone, Utc};
    let w = world().await;
    let mail = &w.app.state.mail;
    let reminders = || async {
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Subject.contains("your scorecard"))
            .count(&w.app.db)
            .await
            .unwrap()
    };
    // The interview is at 10:00 UTC for an hour: nothing is due before 12:00.
    let start = Utc.with_ymd_and_hms(2031, 3, 4, 11, 59, 0).unwrap();
    assert_eq!(send_due(&w.app.db, mail, "a", start).await.unwrap(), 0);
    let first = start + Duration::minutes(1);
    let (a, b) = tokio::join!(
        send_due(&w.app.db, mail, "a", first),
        send_due(&w.app.db, mail, "b", first)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        2,
        "one reminder each for two interviewers"
    );
    assert_eq!(
        send_due(&w.app.db, mail, "a", first).await.unwrap(),
        0,
        "not again the same day"
    );
    // The first interviewer submits; only the second is reminded from now on.
    w.submit(&w.first, w.full(3, "yes")).await;
    for day in 1..=6 {
        send_due(&w.app.db, mail, "a", first + Duration::days(day))
            .await
            .unwrap();
    }
    assert_eq!(
        reminders().await,
        2 + 4,
        "five in all for the second interviewer"
    );
    let last = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Subject.starts_with("Last reminder"))
        .count(&w.app.db)
        .await
        .unwrap();
    assert_eq!(last, 1);
}

#[tokio::test]
async fn the_hiring_manager_hears_when_every_scorecard_is_in() {
    use attache_web::entities::mail_outbox;
    let w = world().await;
    let all_in = || async {
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Subject.starts_with("All scorecards are in"))
            .count(&w.app.db)
            .await
            .unwrap()
    };
    w.submit(&w.first, w.full(3, "yes")).await;
    assert_eq!(all_in().await, 0);
    w.submit(&w.second, w.full(2, "no")).await;
    assert_eq!(all_in().await, 1);
    // A repeated submission sends nothing more.
    w.submit(&w.second, w.full(2, "no")).await;
    assert_eq!(all_in().await, 1);
}

/// Editing the question bank later changes nothing already scored: the scorecard stays on
/// the version its interview was scheduled with.
#[tokio::test]
async fn a_scorecard_keeps_the_bank_version_it_was_scored_on() {
    let w = world().await;
    let (_, before) = w.submit(&w.first, w.full(3, "yes")).await;
    let mut roles = support::seed_roles();
    let role = roles
        .iter_mut()
        .find(|r| r.slug == "track-two-diplomacy-practitioner")
        .unwrap();
    role.questions[0].text.push_str(" (rewritten)");
    let report = attache_web::services::roles::sync_seed(&w.app.db, &roles)
        .await
        .unwrap();
    assert_eq!(report.new_versions, 1);
    let (_, after) = call(
        &w.app,
        Method::GET,
        &w.uri("/scorecards"),
        &w.first,
        Value::Null,
    )
    .await;
    assert_eq!(
        after["scorecards"][0]["bank_version"],
        before["bank_version"]
    );
    // The second interviewer still scores the questions as they were asked.
    let (status, s) = w.submit(&w.second, w.full(2, "no")).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["bank_version"], before["bank_version"]);
}

/// The last two interviewers of a panel submitting at the same moment: the hiring manager
/// hears once that all scorecards are in, for every interview (on PostgreSQL each
/// submission counts the others' in its own transaction, so without taking turns per
/// interview neither would see the other's and no mail would go).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_two_submitting_together_tell_the_manager_once() {
    use attache_web::entities::mail_outbox;
    let app = TestApp::new().await;
    let fixture = support::process::ScoringPanel::new(&app, 2, 12).await;
    let to_manager = || {
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq(fixture.manager.email.clone()))
            .count(&app.db)
    };
    let before = to_manager().await.unwrap();
    let [(_, first), (_, second)] = [&fixture.interviewers[0], &fixture.interviewers[1]];
    for interview in &fixture.interviews {
        let uri = format!("/api/v1/interviews/{interview}/scorecard/submit");
        let ((a, x), (b, y)) = tokio::join!(
            app.call_json(Method::POST, &uri, first, fixture.scorecard.clone()),
            app.call_json(Method::POST, &uri, second, fixture.scorecard.clone())
        );
        assert_eq!((a, b), (StatusCode::OK, StatusCode::OK), "{x} {y}");
    }
    assert_eq!(
        to_manager().await.unwrap() - before,
        fixture.interviews.len() as u64,
        "one all-in mail per interview"
    );
}
