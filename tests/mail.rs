//! The outbox and its worker: `.eml` files without SMTP, real delivery through an SMTP
//! server, retries through an outage, and no message sent twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::mail::Email;
use attache_web::mail::delivery::{self, Delivered, Transport, Worker};
use chrono::{SubsecRound, Utc};
use minijinja::context;
use support::{SmtpServer, TestApp, free_port};

const FROM: &str = "Attaché <attache@example.org>";

fn reset_email(to: &str) -> Email {
    Email::render(
        to,
        "password_reset",
        context! { name => "Ana Ortiz", link => "https://attache.example.org/password-reset/abc123", minutes => 60 },
    )
    .unwrap()
}

async fn enqueue(app: &TestApp, email: Email) -> i32 {
    email.enqueue(&app.db).await.unwrap()
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_eml_files_in_the_data_directory() {
    let app = TestApp::new().await;
    let data = tempfile::tempdir().unwrap();
    let id = enqueue(&app, reset_email("ana@example.org")).await;
    let transport = Transport::new(None, data.path()).unwrap();
    let worker = Worker::new(app.db.clone(), transport, FROM).unwrap();

    let done = worker.deliver_due(Utc::now()).await.unwrap();
    assert_eq!(
        done,
        Delivered {
            sent: 1,
            retrying: 0,
            failed: 0
        }
    );
    let file = data.path().join("mail").join(format!("outbox-{id:08}.eml"));
    let eml = std::fs::read_to_string(&file).unwrap();
    assert!(eml.contains("To: ana@example.org"), "{eml}");
    assert!(
        eml.contains("Subject: Reset your =?utf-8?") || eml.contains("Subject: Reset your Attach"),
        "{eml}"
    );
    assert!(eml.contains("multipart/alternative"), "{eml}");
    assert!(
        eml.contains("text/plain") && eml.contains("text/html"),
        "{eml}"
    );

    let row = &app.outbox().await[0];
    assert_eq!(row.status, delivery::SENT);
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_some());
    // Nothing is due any more: a second round sends nothing.
    let again = worker.deliver_due(Utc::now()).await.unwrap();
    assert_eq!(again, Delivered::default());
    let files = std::fs::read_dir(data.path().join("mail")).unwrap().count();
    assert_eq!(files, 1);
}

#[tokio::test]
async fn mail_is_delivered_through_a_real_smtp_server() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::new().await;
    let mut email = reset_email("ana.ortiz@example.org");
    email.attachment = Some((
        "interview.ics".to_owned(),
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
    ));
    enqueue(&app, email).await;
    let transport = Transport::new(Some(&smtp.url()), std::path::Path::new("unused")).unwrap();
    let worker = Worker::new(app.db.clone(), transport, FROM).unwrap();

    let done = worker.deliver_due(Utc::now()).await.unwrap();
    assert_eq!(
        done.sent,
        1,
        "{done:?}: {:?}",
        app.outbox().await[0].last_error
    );
    let received = smtp.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let m = &received[0];
    assert!(m.contains("To: ana.ortiz@example.org"), "{m}");
    assert!(
        m.contains("From: =?utf-8?") || m.contains("From: \"Attach"),
        "{m}"
    );
    assert!(m.contains("attache@example.org"), "{m}");
    assert!(
        m.contains("https://attache.example.org/password-reset/abc123"),
        "{m}"
    );
    assert!(m.contains("text/calendar"), "{m}");
    assert!(m.contains("interview.ics"), "{m}");
}

#[tokio::test]
async fn an_smtp_outage_loses_nothing_and_the_mail_goes_out_when_the_server_is_back() {
    let app = TestApp::new().await;
    let port = free_port();
    enqueue(&app, reset_email("ana@example.org")).await;
    enqueue(&app, reset_email("ben@example.org")).await;
    let transport = Transport::new(
        Some(&format!("smtp://127.0.0.1:{port}")),
        std::path::Path::new("x"),
    )
    .unwrap();
    let worker = Worker::new(app.db.clone(), transport, FROM).unwrap();

    // The server is down: both messages stay, with the error and a later retry.
    // Microseconds: what PostgreSQL keeps.
    let t0 = Utc::now().trunc_subsecs(6);
    let done = worker.deliver_due(t0).await.unwrap();
    assert_eq!(
        done,
        Delivered {
            sent: 0,
            retrying: 2,
            failed: 0
        }
    );
    for row in app.outbox().await {
        assert_eq!(row.status, delivery::PENDING);
        assert_eq!(row.attempts, 1);
        assert!(
            row.last_error
                .as_deref()
                .unwrap_or("")
                .contains("onnection"),
            "{:?}",
            row.last_error
        );
        assert_eq!(row.next_attempt_at, t0 + delivery::backoff(1));
    }
    // Not due again before the backoff.
    assert_eq!(worker.deliver_due(t0).await.unwrap(), Delivered::default());
    // Still down at the next try: the wait doubles.
    let t1 = t0 + delivery::backoff(1);
    assert_eq!(worker.deliver_due(t1).await.unwrap().retrying, 2);
    assert_eq!(
        app.outbox().await[0].next_attempt_at,
        t1 + delivery::backoff(2)
    );

    // The server comes back on the same port.
    let Some(smtp) = SmtpServer::start_on(port) else {
        return;
    };
    let t2 = t1 + delivery::backoff(2);
    let done = worker.deliver_due(t2).await.unwrap();
    assert_eq!(
        done,
        Delivered {
            sent: 2,
            retrying: 0,
            failed: 0
        }
    );
    let mut to: Vec<String> = smtp
        .received()
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")).map(str::to_owned))
        .collect();
    to.sort();
    assert_eq!(to, ["To: ana@example.org", "To: ben@example.org"]);
    for row in app.outbox().await {
        assert_eq!((row.status.as_str(), row.attempts), (delivery::SENT, 3));
        assert_eq!(row.last_error, None);
    }
}

#[tokio::test]
async fn mail_that_can_never_be_sent_is_given_up_on_and_kept() {
    let app = TestApp::new().await;
    enqueue(&app, reset_email("not an address")).await;
    let data = tempfile::tempdir().unwrap();
    let worker = Worker::new(
        app.db.clone(),
        Transport::new(None, data.path()).unwrap(),
        FROM,
    )
    .unwrap();
    let done = worker.deliver_due(Utc::now()).await.unwrap();
    assert_eq!(
        done,
        Delivered {
            sent: 0,
            retrying: 0,
            failed: 1
        }
    );
    let row = &app.outbox().await[0];
    assert_eq!(row.status, delivery::FAILED);
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("not a valid email address")
    );
}

#[tokio::test]
async fn retries_stop_after_the_last_attempt() {
    let app = TestApp::new().await;
    enqueue(&app, reset_email("ana@example.org")).await;
    let port = free_port();
    let transport = Transport::new(
        Some(&format!("smtp://127.0.0.1:{port}")),
        std::path::Path::new("x"),
    )
    .unwrap();
    let worker = Worker::new(app.db.clone(), transport, FROM).unwrap();
    let mut now = Utc::now();
    for attempt in 1..delivery::MAX_ATTEMPTS {
        assert_eq!(
            worker.deliver_due(now).await.unwrap().retrying,
            1,
            "attempt {attempt}"
        );
        now += delivery::backoff(attempt);
    }
    assert_eq!(worker.deliver_due(now).await.unwrap().failed, 1);
    let row = &app.outbox().await[0];
    assert_eq!(
        (row.status.as_str(), row.attempts),
        (delivery::FAILED, delivery::MAX_ATTEMPTS)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_running_at_once_never_send_a_message_twice() {
    let app = TestApp::new().await;
    for n in 0..50 {
        enqueue(&app, reset_email(&format!("person{n}@example.org"))).await;
    }
    let data = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let transport = Transport::new(None, data.path()).unwrap();
        let worker = Worker::new(app.db.clone(), transport, FROM).unwrap();
        // Each worker keeps claiming until it finds nothing due.
        tasks.spawn(async move {
            let mut sent = 0;
            loop {
                let done = worker.deliver_due(now).await.unwrap();
                if done.sent == 0 {
                    return sent;
                }
                sent += done.sent;
            }
        });
    }
    let total: usize = tasks.join_all().await.into_iter().sum();
    assert_eq!(total, 50);
    for row in app.outbox().await {
        assert_eq!(
            (row.status.as_str(), row.attempts),
            (delivery::SENT, 1),
            "row {}",
            row.id
        );
    }
    assert_eq!(
        std::fs::read_dir(data.path().join("mail")).unwrap().count(),
        50
    );
}

#[test]
fn emails_render_subject_text_and_html() {
    let ctx = context! {
        inviter => "Ana <Ortiz>", role => "hiring manager",
        link => "https://attache.example.org/invitations/0123abcd", minutes => 60,
    };
    let email = Email::render("ben@example.org", "invitation", ctx).unwrap();
    insta::assert_snapshot!("invitation_subject", email.subject);
    insta::assert_snapshot!("invitation_text", email.text);
    insta::assert_snapshot!("invitation_html", email.html);
    // Plain text is not HTML-escaped; HTML is.
    assert!(email.text.contains("Ana <Ortiz> has invited you"));
    assert!(email.html.contains("Ana &lt;Ortiz&gt; has invited you"));

    let ctx = context! {
        name => "Ana Ortiz", when => "21 November 2026 at 22:05 UTC",
        reset_link => "https://attache.example.org/password-reset",
    };
    let email = Email::render("ana@example.org", "password_changed", ctx).unwrap();
    insta::assert_snapshot!("password_changed_text", email.text);
    insta::assert_snapshot!("password_changed_html", email.html);
    let email = reset_email("ana@example.org");
    insta::assert_snapshot!("password_reset_text", email.text);
}
