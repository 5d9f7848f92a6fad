//! Every migration applies, rolls back with its `down`, and applies again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_migrations::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn every_migration_rolls_back_and_reapplies() {
    let database = support::fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let count = Migrator::migrations().len();
    assert_eq!(
        Migrator::get_applied_migrations(&db).await.unwrap().len(),
        count
    );

    Migrator::down(&db, None).await.unwrap();
    assert!(
        Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    // No table of ours is left behind.
    let leftover = db.execute_unprepared("SELECT 1 FROM users").await;
    assert!(leftover.is_err(), "users survived the down migration");

    Migrator::up(&db, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&db).await.unwrap().len(),
        count
    );
    assert!(
        db.execute_unprepared("SELECT 1 FROM mail_outbox")
            .await
            .is_ok()
    );
}

/// Foreign keys are enforced (on SQLite they are off unless switched on per connection).
#[tokio::test]
async fn foreign_keys_are_enforced() {
    let database = support::fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let r = db
        .execute_unprepared(
            "INSERT INTO question_bank_versions (role_id, version, questions, created_at) \
             VALUES (999, 'x', '[]', '2026-01-01T00:00:00Z')",
        )
        .await;
    assert!(r.is_err(), "a version for a missing role was accepted");
}
