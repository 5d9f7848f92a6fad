//! Crash safety: interviewers submit scorecards to a real `attache serve` while it is killed
//! with SIGKILL; after a restart every acknowledged scorecard is there, whole, and no
//! scorecard is half written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attache_web::entities::{ratings, scorecards};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use support::process::{ScoringPanel, api, revisions_of, scorecard_of, serve};
use support::{TestApp, free_port};

const INTERVIEWERS: usize = 6;
const INTERVIEWS: usize = 12;

fn post(port: u16, path: &str, token: &str, body: &str) -> Option<u16> {
    api(
        port,
        if body.is_empty() { "GET" } else { "POST" },
        path,
        token,
        body,
    )
    .map(|a| a.status)
}

#[tokio::test]
async fn a_killed_server_loses_no_acknowledged_scorecard_and_leaves_none_half_written() {
    let app = TestApp::new().await;
    let fixture = ScoringPanel::new(&app, INTERVIEWERS, INTERVIEWS).await;
    let (panel, interviews, per_card) =
        (&fixture.interviewers, &fixture.interviews, fixture.ratings);
    let body = fixture.scorecard.to_string();

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = app.database.url.clone();
    let mut server = serve(&url, dir.path(), port, &[]);

    // Every interviewer submits to every interview, in their own thread; the server is
    // killed once a dozen submissions are acknowledged.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for (n, (user, token)) in panel.iter().enumerate() {
        let (token, body, interviews) = (token.clone(), body.clone(), interviews.clone());
        let (acknowledged, count, user) = (Arc::clone(&acknowledged), Arc::clone(&count), user.id);
        threads.push(std::thread::spawn(move || {
            for k in 0..interviews.len() {
                let interview = interviews[(k + n) % interviews.len()];
                match post(
                    port,
                    &format!("/api/v1/interviews/{interview}/scorecard/submit"),
                    &token,
                    &body,
                ) {
                    Some(200) => {
                        acknowledged.lock().unwrap().push((interview, user));
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Some(status) => panic!("submit answered {status}"),
                    None => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while count.load(Ordering::SeqCst) < 12 {
        assert!(
            Instant::now() < deadline,
            "too few submissions were acknowledged"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() < INTERVIEWERS * INTERVIEWS,
        "killed mid-run"
    );

    // It starts again over the same database, and everything acknowledged is there.
    let mut server = serve(&url, dir.path(), port, &[]);
    let db = attache_web::db::connect(&url).await.unwrap();
    for (interview, user) in &acknowledged {
        let card = scorecard_of(&db, *interview, *user)
            .await
            .unwrap_or_else(|| panic!("acknowledged scorecard {interview}/{user} is lost"));
        assert_eq!(card.status, "submitted");
    }
    // No scorecard is half written: each has all its ratings and its first revision.
    let all = scorecards::Entity::find().all(&db).await.unwrap();
    assert!(all.len() >= acknowledged.len());
    for card in &all {
        let n = ratings::Entity::find()
            .filter(ratings::Column::ScorecardId.eq(card.id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(
            n, per_card,
            "scorecard {} has {n} of {per_card} ratings",
            card.id
        );
        assert_eq!(revisions_of(&db, card.id).await, 1, "scorecard {}", card.id);
    }
    // And the restarted server serves them.
    let (_, token) = &panel[0];
    let (interview, _) = acknowledged[0];
    assert_eq!(
        post(
            port,
            &format!("/api/v1/interviews/{interview}/scorecards"),
            token,
            ""
        ),
        Some(200)
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
