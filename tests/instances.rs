//! Two `attache serve` processes on one PostgreSQL database, sharing no memory: a session
//! begun on one works on the other, and every mail in the outbox and every due reminder
//! is sent exactly once, however the two race for them. PostgreSQL only (SQLite is one
//! machine's file): with `TEST_DATABASE_URL` unset it says it is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use attache_web::entities::{mail_outbox, panel_members};
use axum::http::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use support::process::{ScoringPanel, request, sign_in, spawn_serve, wait_until_up};
use support::{SmtpServer, TestApp, free_port};

#[tokio::test]
async fn two_instances_share_sessions_and_send_every_mail_and_reminder_once() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipping: two instances need PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::new().await;
    // Ten interviews with three on each panel: thirty invitations waiting in the outbox.
    let fixture = ScoringPanel::new(&app, 3, 10).await;
    let (recruiter, manager) = (&fixture.recruiter, &fixture.manager);
    let emails: Vec<String> = fixture
        .interviewers
        .iter()
        .map(|(u, _)| u.email.clone())
        .collect();
    // And every panel member's reminder is due now: thirty more, claimed once each.
    panel_members::Entity::update_many()
        .col_expr(
            panel_members::Column::NextReminderAt,
            Expr::value(Some(chrono::Utc::now() - chrono::Duration::minutes(5))),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let invitations = mail_outbox::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(invitations, 30);

    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    let url = app.database.url.clone();
    // Started together, so that both find the same waiting mail and due reminders.
    let mut a = spawn_serve(&url, dir_a.path(), port_a, &["--smtp-url", &smtp.url()]);
    let mut b = spawn_serve(&url, dir_b.path(), port_b, &["--smtp-url", &smtp.url()]);
    wait_until_up(port_a);
    wait_until_up(port_b);
    // Ten more interviews scheduled through both at once: thirty more invitations, each
    // written on one instance and sent by whichever worker claims it.
    let candidates: Vec<i64> = {
        let mut v = Vec::new();
        for n in 10..20 {
            let (_, c) = app
                .call_json(Method::POST, "/api/v1/candidates", recruiter,
                    json!({"name": format!("Candidate {n}"), "email": format!("c{n}@example.org"), "requisition_id": fixture.requisition}))
                .await;
            v.push(c["application_id"].as_i64().unwrap());
        }
        v
    };
    let threads: Vec<_> = candidates
        .into_iter()
        .enumerate()
        .map(|(n, application)| {
            let (token, emails) = (recruiter.clone(), emails.clone());
            let port = if n % 2 == 0 { port_a } else { port_b };
            std::thread::spawn(move || {
                let body =
                    json!({"application_id": application, "scheduled_at": "2031-03-05T10:00:00Z",
                                  "duration_minutes": 60, "interviewers": emails})
                    .to_string();
                let answer = request(
                    port,
                    "POST",
                    "/api/v1/interviews",
                    &format!("Authorization: Bearer {token}"),
                    "application/json",
                    &body,
                )
                .unwrap();
                assert_eq!(answer.status, 201, "{}", answer.body);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }

    // A session begun on A works on B.
    let session = sign_in(port_a, manager);
    let home = request(
        port_b,
        "GET",
        "/requisitions",
        &format!("Cookie: {session}"),
        "",
        "",
    )
    .unwrap();
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(
        home.body.contains("Mediation adviser"),
        "signed in on B: {}",
        home.body
    );

    // Every mail goes out once: sixty invitations and thirty reminders.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Status.ne("sent"))
            .count(&app.db)
            .await
            .unwrap();
        let total = mail_outbox::Entity::find().count(&app.db).await.unwrap();
        if pending == 0 && total == 90 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{pending} of {total} mails still unsent"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give a duplicate delivery every chance to show itself.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = smtp.received();
    assert_eq!(received.len(), 90, "each mail exactly once");
    let sent_reminders = panel_members::Entity::find()
        .filter(panel_members::Column::RemindersSent.eq(1))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(sent_reminders, 30, "every due reminder claimed once");
    for child in [&mut a, &mut b] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

/// Two instances started at once on an empty database take turns to create the schema
/// and load the roles; both come up.
#[tokio::test]
async fn two_instances_started_together_on_an_empty_database_both_come_up() {
    use sea_orm::ConnectionTrait;
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("skipping: two instances need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    if !admin_url.starts_with("postgres") {
        return;
    }
    let name = format!("attache_two_{}", std::process::id());
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = spawn_serve(
        &url,
        dir_a.path(),
        port_a,
        &["--smtp-url", "smtp://127.0.0.1:1"],
    );
    let mut b = spawn_serve(
        &url,
        dir_b.path(),
        port_b,
        &["--smtp-url", "smtp://127.0.0.1:1"],
    );
    wait_until_up(port_a);
    wait_until_up(port_b);
    for child in [&mut a, &mut b] {
        assert!(child.try_wait().unwrap().is_none(), "an instance exited");
        child.kill().unwrap();
        child.wait().unwrap();
    }
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
