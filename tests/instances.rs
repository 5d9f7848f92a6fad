//! Two `attache serve` processes on one PostgreSQL database, sharing no memory: a session
//! begun on one works on the other, and every mail in the outbox and every due reminder
//! is sent exactly once, however the two race for them. PostgreSQL only (SQLite is one
//! machine's file): with `TEST_DATABASE_URL` unset it says it is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use attache_web::auth::UserRole;
use attache_web::entities::{mail_outbox, panel_members};
use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use support::{SmtpServer, TestApp, free_port, urlencode};

fn serve(database_url: &str, smtp: &str, dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_attache"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--smtp-url",
            smtp,
        ])
        .env("ATTACHE_DATABASE_URL", database_url)
        .env_remove("ATTACHE_SEED_DIR")
        .env("ATTACHE_LOG", "warn")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(port, "GET", "/healthz", "", "").is_none() {
        assert!(Instant::now() < deadline, "attache serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One HTTP/1.1 form request with a session cookie: status, `Set-Cookie` values
/// (name=value), body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: &str,
    form: &str,
) -> Option<(u16, Vec<String>, String)> {
    let header = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: {cookie}")
    };
    request(
        port,
        method,
        path,
        &header,
        "application/x-www-form-urlencoded",
        form,
    )
}

/// One HTTP/1.1 request with one header of the caller's and a body of type `kind`.
fn request(
    port: u16,
    method: &str,
    path: &str,
    header: &str,
    kind: &str,
    body: &str,
) -> Option<(u16, Vec<String>, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let header = if header.is_empty() {
        String::new()
    } else {
        format!("{header}\r\n")
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{header}Content-Type: {kind}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|c| c.split(';').next().map(str::to_owned))
        .collect();
    Some((status, cookies, body.to_owned()))
}

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
    let recruiter = app.token(UserRole::Recruiter).await;
    let manager = app.add_user(UserRole::HiringManager).await;
    let mut emails = Vec::new();
    for _ in 0..3 {
        emails.push(app.add_user(UserRole::Interviewer).await.email);
    }
    let (_, r) = app
        .call_json(Method::POST, "/api/v1/requisitions", &recruiter,
            json!({"role": "mediator", "title": "Mediation adviser", "hiring_manager": manager.email}))
        .await;
    // Ten interviews: thirty invitations waiting in the outbox.
    for n in 0..10 {
        let (_, c) = app
            .call_json(Method::POST, "/api/v1/candidates", &recruiter,
                json!({"name": format!("Candidate {n}"), "email": format!("c{n}@example.org"), "requisition_id": r["id"]}))
            .await;
        let (status, i) = app
            .call_json(Method::POST, "/api/v1/interviews", &recruiter,
                json!({"application_id": c["application_id"], "scheduled_at": "2031-03-04T10:00:00Z",
                       "duration_minutes": 60, "interviewers": emails}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{i}");
    }
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
    let mut a = serve(&url, &smtp.url(), dir_a.path(), port_a);
    let mut b = serve(&url, &smtp.url(), dir_b.path(), port_b);
    wait_until_up(port_a);
    wait_until_up(port_b);
    // Ten more interviews scheduled through both at once: thirty more invitations, each
    // written on one instance and sent by whichever worker claims it.
    let candidates: Vec<i64> = {
        let mut v = Vec::new();
        for n in 10..20 {
            let (_, c) = app
                .call_json(Method::POST, "/api/v1/candidates", &recruiter,
                    json!({"name": format!("Candidate {n}"), "email": format!("c{n}@example.org"), "requisition_id": r["id"]}))
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
                let (status, _, answer) = request(
                    port,
                    "POST",
                    "/api/v1/interviews",
                    &format!("Authorization: Bearer {token}"),
                    "application/json",
                    &body,
                )
                .unwrap();
                assert_eq!(status, 201, "{answer}");
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }

    // A session begun on A works on B.
    let (_, cookies, page) = http(port_a, "GET", "/sign-in", "", "").unwrap();
    let csrf = support::csrf_in(&page);
    let form = format!(
        "email={}&password={}&csrf_token={csrf}",
        urlencode(&manager.email),
        urlencode(&manager.password)
    );
    let (status, session, _) =
        http(port_a, "POST", "/sign-in", &cookies.join("; "), &form).unwrap();
    assert_eq!(status, 303);
    let (status, _, home) = http(port_b, "GET", "/requisitions", &session.join("; "), "").unwrap();
    assert_eq!(status, 200, "{home}");
    assert!(home.contains("Mediation adviser"), "signed in on B: {home}");

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
    let mut a = serve(&url, "smtp://127.0.0.1:1", dir_a.path(), port_a);
    let mut b = serve(&url, "smtp://127.0.0.1:1", dir_b.path(), port_b);
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
