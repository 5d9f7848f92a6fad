//! Every entity matches its table: a row goes in through the entity and comes back the
//! same, on SQLite and on PostgreSQL, with the foreign keys between them satisfied.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::entities::*;
use chrono::{TimeZone, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

/// Insert through the active model, then read back by primary key and compare.
macro_rules! round_trip {
    ($db:expr, $module:ident, $active:expr) => {{
        let inserted = $active.insert($db).await.unwrap();
        let found = $module::Entity::find_by_id(inserted.id.clone())
            .one($db)
            .await
            .unwrap();
        assert_eq!(found.as_ref(), Some(&inserted), "{}", stringify!($module));
        inserted
    }};
}

async fn db() -> (support::TestDb, DatabaseConnection) {
    let database = support::fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    (database, db)
}

#[tokio::test]
async fn a_row_round_trips_through_every_entity() {
    let (_database, db) = db().await;
    let db = &db;
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).unwrap();

    let user = round_trip!(
        db,
        users,
        users::ActiveModel {
            email: Set("hm@example.org".into()),
            name: Set("Hiring Manager".into()),
            role: Set("hiring_manager".into()),
            password_hash: Set(Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into())),
            active: Set(true),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        sessions,
        sessions::ActiveModel {
            id: Set("session-id".into()),
            data: Set(vec![1, 2, 3]),
            expires_at: Set(at),
        }
    );
    round_trip!(
        db,
        api_tokens,
        api_tokens::ActiveModel {
            user_id: Set(user.id),
            token_hash: Set("f".repeat(64)),
            name: Set("ci".into()),
            created_at: Set(at),
            last_used_at: Set(None),
            revoked_at: Set(Some(at)),
            ..Default::default()
        }
    );
    let role = round_trip!(
        db,
        roles,
        roles::ActiveModel {
            slug: Set("diplomat".into()),
            track: Set("1".into()),
            title: Set("Diplomats".into()),
            data: Set(serde_json::json!({"slug": "diplomat"})),
            current_version: Set("0123456789abcdef".into()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    );
    let version = round_trip!(
        db,
        question_bank_versions,
        question_bank_versions::ActiveModel {
            role_id: Set(role.id),
            version: Set("0123456789abcdef".into()),
            questions: Set(serde_json::json!([])),
            created_at: Set(at),
            ..Default::default()
        }
    );
    let requisition = round_trip!(
        db,
        requisitions,
        requisitions::ActiveModel {
            role_id: Set(role.id),
            title: Set("Track One desk officer".into()),
            hiring_manager_id: Set(user.id),
            created_by: Set(user.id),
            status: Set("open".into()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    );
    let candidate = round_trip!(
        db,
        candidates,
        candidates::ActiveModel {
            name: Set("Ana Ruiz".into()),
            email: Set("ana@example.org".into()),
            current_title: Set("Second Secretary".into()),
            summary: Set("Ten years in the foreign service.".into()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    );
    let application = round_trip!(
        db,
        applications,
        applications::ActiveModel {
            requisition_id: Set(requisition.id),
            candidate_id: Set(candidate.id),
            stage: Set("interviewing".into()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    );
    let interview = round_trip!(
        db,
        interviews,
        interviews::ActiveModel {
            application_id: Set(application.id),
            bank_version_id: Set(version.id),
            scheduled_at: Set(at),
            duration_minutes: Set(60),
            location: Set("Room 4".into()),
            created_by: Set(user.id),
            created_at: Set(at),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        panel_members,
        panel_members::ActiveModel {
            interview_id: Set(interview.id),
            user_id: Set(user.id),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        kit_questions,
        kit_questions::ActiveModel {
            interview_id: Set(interview.id),
            question_id: Set("t1-basic-protocol".into()),
            position: Set(1),
            focus_user_id: Set(Some(user.id)),
            ..Default::default()
        }
    );
    let scorecard = round_trip!(
        db,
        scorecards,
        scorecards::ActiveModel {
            interview_id: Set(interview.id),
            interviewer_id: Set(user.id),
            bank_version_id: Set(version.id),
            status: Set("submitted".into()),
            recommendation: Set(Some("yes".into())),
            summary: Set("Strong on protocol.".into()),
            lock_version: Set(3),
            submitted_at: Set(Some(at)),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        scorecard_revisions,
        scorecard_revisions::ActiveModel {
            scorecard_id: Set(scorecard.id),
            revision: Set(1),
            snapshot: Set(serde_json::json!({"recommendation": "yes", "ratings": []})),
            actor_id: Set(user.id),
            reason: Set("Misread the anchor.".into()),
            created_at: Set(at),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        ratings,
        ratings::ActiveModel {
            scorecard_id: Set(scorecard.id),
            question_id: Set("t1-basic-protocol".into()),
            criterion_id: Set("customs-and-hierarchy".into()),
            score: Set(None),
            note: Set("Not reached.".into()),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        decisions,
        decisions::ActiveModel {
            application_id: Set(application.id),
            decision: Set("advance".into()),
            reason: Set("Panel agrees.".into()),
            decided_by: Set(user.id),
            created_at: Set(at),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        audit_events,
        audit_events::ActiveModel {
            actor_id: Set(Some(user.id)),
            action: Set("scorecard.submit".into()),
            subject_type: Set("scorecard".into()),
            subject_id: Set(Some(scorecard.id)),
            detail: Set(serde_json::json!({"amended": false})),
            created_at: Set(at),
            ..Default::default()
        }
    );
    round_trip!(
        db,
        mail_outbox,
        mail_outbox::ActiveModel {
            to_address: Set("hm@example.org".into()),
            subject: Set("All scorecards are in".into()),
            text_body: Set("text".into()),
            html_body: Set("<p>html</p>".into()),
            attachment: Set(Some(b"BEGIN:VCALENDAR".to_vec())),
            attachment_name: Set(Some("invite.ics".into())),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(at),
            last_error: Set(None),
            created_at: Set(at),
            sent_at: Set(None),
            ..Default::default()
        }
    );
}

/// Uniqueness the features rely on is enforced by the database itself, as a unique
/// violation (which the services turn into a 409), not any error.
#[tokio::test]
async fn unique_constraints_hold() {
    use sea_orm::{ConnectionTrait, SqlErr, Statement};
    let (_database, db) = db().await;
    // Each row goes in once; the rows marked `true` must then be refused a second time.
    let statements = [
        (
            "INSERT INTO users (email, name, role, active, created_at, updated_at) VALUES ('u@example.org', 'U', 'recruiter', true, '2026-11-21T09:30:00Z', '2026-11-21T09:30:00Z')",
            true,
        ),
        (
            "INSERT INTO roles (slug, track, title, data, current_version, created_at, updated_at) VALUES ('r', '1', 'R', '{}', 'v', '2026-11-21T09:30:00Z', '2026-11-21T09:30:00Z')",
            true,
        ),
        (
            "INSERT INTO requisitions (role_id, title, hiring_manager_id, created_by, status, created_at, updated_at) VALUES (1, 'Q', 1, 1, 'open', '2026-11-21T09:30:00Z', '2026-11-21T09:30:00Z')",
            false,
        ),
        (
            "INSERT INTO candidates (name, email, created_at, updated_at) VALUES ('A', 'a@example.org', '2026-11-21T09:30:00Z', '2026-11-21T09:30:00Z')",
            true,
        ),
        (
            "INSERT INTO applications (requisition_id, candidate_id, stage, created_at, updated_at) VALUES (1, 1, 'sourced', '2026-11-21T09:30:00Z', '2026-11-21T09:30:00Z')",
            true,
        ),
        (
            "INSERT INTO requisition_panel (requisition_id, user_id) VALUES (1, 1)",
            true,
        ),
    ];
    let backend = db.get_database_backend();
    for (sql, unique) in statements {
        db.execute_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        if !unique {
            continue;
        }
        let again = db
            .execute_raw(Statement::from_string(backend, sql))
            .await
            .expect_err(sql);
        assert!(
            matches!(again.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "{sql}: {again}"
        );
    }
}

/// A stage, status, role, recommendation or decision outside its list, or a score outside
/// 1-4, is refused by the database; every value the core knows is accepted.
#[tokio::test]
async fn the_database_refuses_values_outside_their_lists() {
    use attache_core::{Recommendation, RequisitionStatus, Stage};
    use sea_orm::{ConnectionTrait, Statement};
    let (_database, db) = db().await;
    let backend = db.get_database_backend();
    let exec = |sql: String| {
        let db = db.clone();
        async move { db.execute_raw(Statement::from_string(backend, sql)).await }
    };
    let t = "'2026-11-21T09:30:00Z'";
    exec(format!("INSERT INTO users (email, name, role, active, created_at, updated_at) VALUES ('u@example.org', 'U', 'recruiter', true, {t}, {t})")).await.unwrap();
    exec(format!("INSERT INTO roles (slug, track, title, data, current_version, created_at, updated_at) VALUES ('r', '1', 'R', '{{}}', 'v', {t}, {t})")).await.unwrap();
    exec(format!("INSERT INTO question_bank_versions (role_id, version, questions, created_at) VALUES (1, 'v', '[]', {t})")).await.unwrap();
    exec(format!("INSERT INTO requisitions (role_id, title, hiring_manager_id, created_by, status, created_at, updated_at) VALUES (1, 'Q', 1, 1, 'open', {t}, {t})")).await.unwrap();
    exec(format!("INSERT INTO candidates (name, email, created_at, updated_at) VALUES ('A', 'a@example.org', {t}, {t})")).await.unwrap();
    exec(format!("INSERT INTO applications (requisition_id, candidate_id, stage, created_at, updated_at) VALUES (1, 1, 'sourced', {t}, {t})")).await.unwrap();
    exec(format!("INSERT INTO interviews (application_id, bank_version_id, scheduled_at, duration_minutes, created_by, created_at) VALUES (1, 1, {t}, 60, 1, {t})")).await.unwrap();
    exec(format!("INSERT INTO scorecards (interview_id, interviewer_id, bank_version_id, created_at, updated_at) VALUES (1, 1, 1, {t}, {t})")).await.unwrap();
    exec("INSERT INTO ratings (scorecard_id, question_id, criterion_id, score) VALUES (1, 'q', 'c', 4)".to_owned()).await.unwrap();

    for stage in Stage::ALL {
        exec(format!(
            "UPDATE applications SET stage = '{}'",
            stage.as_str()
        ))
        .await
        .unwrap();
    }
    for status in RequisitionStatus::ALL {
        exec(format!(
            "UPDATE requisitions SET status = '{}'",
            status.as_str()
        ))
        .await
        .unwrap();
    }
    for r in Recommendation::ALL {
        exec(format!(
            "UPDATE scorecards SET recommendation = '{}'",
            r.as_str()
        ))
        .await
        .unwrap();
    }
    for role in attache_web::auth::UserRole::ALL {
        exec(format!("UPDATE users SET role = '{}'", role.as_str()))
            .await
            .unwrap();
    }
    for status in ["scheduled", "cancelled"] {
        exec(format!("UPDATE interviews SET status = '{status}'"))
            .await
            .unwrap();
    }
    for bad in [
        "UPDATE applications SET stage = 'offer'",
        "UPDATE requisitions SET status = 'on_hold'",
        "UPDATE interviews SET status = 'done'",
        "UPDATE scorecards SET status = 'final'",
        "UPDATE scorecards SET recommendation = 'maybe'",
        "UPDATE users SET role = 'owner'",
        "UPDATE ratings SET score = 5",
        "UPDATE ratings SET score = 0",
    ] {
        let e = exec(bad.to_owned()).await.expect_err(bad);
        assert!(e.to_string().to_lowercase().contains("check"), "{bad}: {e}");
    }
    exec("UPDATE ratings SET score = NULL".to_owned())
        .await
        .unwrap();
    exec("UPDATE scorecards SET recommendation = NULL".to_owned())
        .await
        .unwrap();
}

/// SQLite runs in WAL mode with synchronous=NORMAL, foreign keys on and a busy timeout.
#[tokio::test]
async fn sqlite_connections_use_wal_normal_sync_foreign_keys_and_a_busy_timeout() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        return; // SQLite pragmas; the PostgreSQL run covers the rest of the suite
    }
    let (_database, db) = db().await;
    use sea_orm::{ConnectionTrait, Statement};
    let pragma = |name: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("PRAGMA {name}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("synchronous").await, "1", "1 = NORMAL");
    assert_eq!(pragma("foreign_keys").await, "1");
    assert_eq!(pragma("busy_timeout").await, "5000");
}
