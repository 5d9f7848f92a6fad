//! `attache candidates import` and `attache candidates export`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::{Command, Output};

use attache_web::auth::UserRole;
use attache_web::auth::current::CurrentUser;
use attache_web::services::requisitions::{self, RequisitionInput};
use sea_orm::{EntityTrait, PaginatorTrait};

fn attache(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attache"))
        .args(args)
        .env("ATTACHE_DATABASE_URL", db_url)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A database with a Track Two requisition; its URL, connection and the requisition's id.
async fn with_requisition() -> (support::TestDb, sea_orm::DatabaseConnection, i32) {
    let database = support::fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    attache_web::services::roles::sync_seed(&db, &support::seed_roles())
        .await
        .unwrap();
    let create = |email: &str, role| {
        let db = db.clone();
        let email = email.to_owned();
        async move {
            attache_web::services::users::create(&db, &email, "Someone", role, None, None)
                .await
                .unwrap()
        }
    };
    let recruiter = create("rec@example.org", UserRole::Recruiter).await;
    create("hm@example.org", UserRole::HiringManager).await;
    let actor = CurrentUser {
        id: recruiter.id,
        email: recruiter.email,
        name: recruiter.name,
        role: UserRole::Recruiter,
    };
    let input = RequisitionInput {
        role: "track-two-diplomacy-practitioner".into(),
        title: "Dialogue lead".into(),
        hiring_manager: "hm@example.org".into(),
        ..Default::default()
    };
    let id = requisitions::create(&db, &actor, &input).await.unwrap().id;
    (database, db, id)
}

#[tokio::test]
async fn a_bad_file_imports_nothing_and_names_every_problem() {
    let (database, db, id) = with_requisition().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(
        &file,
        "name,email\nAna Ruiz,ana@example.org\n,bob@example.org\nCara,not-an-email\n",
    )
    .unwrap();
    let o = attache(
        &database.url,
        &[
            "candidates",
            "import",
            file.to_str().unwrap(),
            "--requisition",
            &id.to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("nothing imported"), "{err}");
    assert!(
        err.contains("line 3, column name: Enter the name."),
        "{err}"
    );
    assert!(err.contains("line 4, column email"), "{err}");
    let count = attache_web::entities::candidates::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_good_file_imports_once_and_exports_the_same_columns() {
    let (database, db, id) = with_requisition().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(
        &file,
        "\u{FEFF}name,email,current_title,stage\nAna Ruiz,ANA@example.org,Second Track Diplomacy Lead,screening\nKofi Mensah,kofi@example.org,=cmd(),\n",
    )
    .unwrap();
    let id = id.to_string();
    let args = [
        "candidates",
        "import",
        file.to_str().unwrap(),
        "--requisition",
        &id,
    ];
    let dry = attache(&database.url, &[&args[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("2 new"), "{}", text(&dry.stdout));
    let count = || async {
        attache_web::entities::candidates::Entity::find()
            .count(&db)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 0, "a dry run writes nothing");

    let o = attache(&database.url, &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("2 new candidates"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(count().await, 2);
    let again = attache(&database.url, &args);
    assert!(
        text(&again.stdout).contains("0 new candidates"),
        "{}",
        text(&again.stdout)
    );
    assert!(
        text(&again.stdout).contains("2 already on it"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(count().await, 2);

    let export = attache(
        &database.url,
        &["candidates", "export", "--requisition", &id],
    );
    assert!(export.status.success(), "{}", text(&export.stderr));
    let csv = text(&export.stdout);
    assert!(
        csv.starts_with("name,email,current_title,summary,location,source,notes,stage\n"),
        "{csv}"
    );
    assert!(
        csv.contains("Ana Ruiz,ana@example.org,Second Track Diplomacy Lead,,,,,screening"),
        "{csv}"
    );
    assert!(csv.contains("'=cmd()"), "formulas are defused: {csv}");

    let missing = attache(
        &database.url,
        &["candidates", "export", "--requisition", "999"],
    );
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("no requisition has the number 999"));
}

#[tokio::test]
async fn demo_adds_a_team_requisitions_and_candidates_once() {
    let database = support::fresh_database().await;
    let o = attache(
        &database.url,
        &["demo", "--candidates", "60", "--seed", "7"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("added 60 candidates"),
        "{}",
        text(&o.stdout)
    );
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let users = attache_web::entities::users::Entity::find()
        .count(&db)
        .await
        .unwrap();
    let requisitions = attache_web::entities::requisitions::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(users, 7);
    assert_eq!(requisitions, 3);
    // Again: more candidates, the same team and requisitions.
    let o = attache(
        &database.url,
        &["demo", "--candidates", "40", "--seed", "8"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let candidates = attache_web::entities::candidates::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(candidates, 100);
    assert_eq!(
        attache_web::entities::users::Entity::find()
            .count(&db)
            .await
            .unwrap(),
        7
    );
    // Role search finds demo candidates through the roles they name.
    let roles = attache_web::entities::candidate_roles::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert!(roles > 10, "{roles} role mentions");
}
