//! Loading seed data into the database is idempotent and versions question banks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::services::roles::{SyncReport, load_all, sync_seed, versions_of};
use support::{fresh_database, seed_roles};

#[tokio::test]
async fn loading_twice_changes_nothing_the_second_time() {
    let database = fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let roles = seed_roles();
    let first = sync_seed(&db, &roles).await.unwrap();
    assert_eq!(
        first,
        SyncReport {
            created: roles.len(),
            updated: 0,
            unchanged: 0,
            new_versions: roles.len()
        }
    );
    let second = sync_seed(&db, &roles).await.unwrap();
    assert_eq!(
        second,
        SyncReport {
            created: 0,
            updated: 0,
            unchanged: roles.len(),
            new_versions: 0
        }
    );
    assert_eq!(load_all(&db).await.unwrap(), roles);
}

/// Editing a question makes a new bank version and keeps the old one for old scorecards.
#[tokio::test]
async fn a_changed_question_bank_gets_a_new_version() {
    let database = fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let mut roles = seed_roles();
    sync_seed(&db, &roles).await.unwrap();
    let before = versions_of(&db, "diplomat").await.unwrap();
    assert_eq!(before.len(), 1);

    let diplomat = roles.iter_mut().find(|r| r.slug == "diplomat").unwrap();
    diplomat.questions[0]
        .guidance
        .push_str(" Mentions the Vienna Convention.");
    let report = sync_seed(&db, &roles).await.unwrap();
    assert_eq!((report.updated, report.new_versions), (1, 1));
    let after = versions_of(&db, "diplomat").await.unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], before[0]);
    assert_eq!(
        after[1],
        attache_core::bank_version(
            &roles
                .iter()
                .find(|r| r.slug == "diplomat")
                .unwrap()
                .questions
        )
    );

    // A summary edit updates the role but the bank keeps its version.
    let diplomat = roles.iter_mut().find(|r| r.slug == "diplomat").unwrap();
    diplomat.summary.push_str(" Also consuls.");
    let report = sync_seed(&db, &roles).await.unwrap();
    assert_eq!((report.updated, report.new_versions), (1, 0));
}
