//! `attache users add` and `attache tokens issue`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::{Command, Output};

use sea_orm::{EntityTrait, PaginatorTrait};

fn attache(db_url: &str, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attache"));
    cmd.args(args)
        .env("ATTACHE_DATABASE_URL", db_url)
        .env_remove("ATTACHE_PASSWORD");
    if let Some(p) = password {
        cmd.env("ATTACHE_PASSWORD", p);
    }
    cmd.output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn users_add_hashes_the_password_from_the_environment() {
    let database = support::fresh_database().await;
    let o = attache(
        &database.url,
        &[
            "users",
            "add",
            "--email",
            "Ana@Example.org",
            "--name",
            "Ana Ruiz",
            "--role",
            "recruiter",
        ],
        Some("a long enough password"),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "added Ana Ruiz <ana@example.org> as recruiter\n");

    let db = attache_web::db::connect(&database.url).await.unwrap();
    let user = attache_web::services::users::find_by_email(&db, "ana@example.org")
        .await
        .unwrap()
        .unwrap();
    let phc = user.password_hash.unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let passwords = attache_web::auth::password::Passwords::production();
    assert!(passwords.verify("a long enough password".into(), phc).await);
}

#[tokio::test]
async fn users_add_generates_and_prints_a_password_once_when_none_is_given() {
    let database = support::fresh_database().await;
    let o = attache(
        &database.url,
        &[
            "users",
            "add",
            "--email",
            "hm@example.org",
            "--name",
            "H M",
            "--role",
            "hiring_manager",
        ],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let stdout = out(&o);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once, store it now): "))
        .unwrap();
    assert_eq!(password.len(), 20);
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let user = attache_web::services::users::find_by_email(&db, "hm@example.org")
        .await
        .unwrap()
        .unwrap();
    let passwords = attache_web::auth::password::Passwords::production();
    assert!(
        passwords
            .verify(password.into(), user.password_hash.unwrap())
            .await
    );
}

#[tokio::test]
async fn users_add_refuses_duplicates_bad_roles_bad_emails_and_short_passwords() {
    let database = support::fresh_database().await;
    let add = |email: &str, role: &str, pw: &str| {
        attache(
            &database.url,
            &[
                "users", "add", "--email", email, "--name", "X", "--role", role,
            ],
            Some(pw),
        )
    };
    assert!(
        add("x@example.org", "admin", "a long enough password")
            .status
            .success()
    );
    let o = add("X@example.org", "admin", "a long enough password");
    assert!(!o.status.success());
    assert!(
        err(&o).contains("a user with the email \"x@example.org\" already exists"),
        "{}",
        err(&o)
    );
    let o = add("y@example.org", "superuser", "a long enough password");
    assert!(!o.status.success());
    assert!(
        err(&o).contains("unknown role \"superuser\""),
        "{}",
        err(&o)
    );
    let o = add("not-an-email", "admin", "a long enough password");
    assert!(
        err(&o).contains("--email: Enter an email address like name@example.org."),
        "{}",
        err(&o)
    );
    let long_name = "N".repeat(201);
    let o = attache(
        &database.url,
        &[
            "users",
            "add",
            "--email",
            "n@example.org",
            "--name",
            &long_name,
            "--role",
            "admin",
        ],
        Some("a long enough password"),
    );
    assert!(
        err(&o).contains("--name: Name may have at most 200 characters; this has 201."),
        "{}",
        err(&o)
    );
    let o = add("z@example.org", "admin", "short");
    assert!(err(&o).contains("at least 12 characters"), "{}", err(&o));

    let db = attache_web::db::connect(&database.url).await.unwrap();
    let count = attache_web::entities::users::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(count, 1, "failed commands change nothing");
}

/// The token is printed once; the database holds only its hash, and it authenticates.
#[tokio::test]
async fn tokens_issue_prints_a_token_stored_only_as_a_hash() {
    let database = support::fresh_database().await;
    attache(
        &database.url,
        &[
            "users",
            "add",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--role",
            "recruiter",
        ],
        Some("a long enough password"),
    );
    let o = attache(
        &database.url,
        &["tokens", "issue", "--email", "r@example.org"],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let token = out(&o).trim().to_owned();
    assert!(token.starts_with("att_") && token.len() == 68, "{token}");

    let db = attache_web::db::connect(&database.url).await.unwrap();
    let rows = attache_web::entities::api_tokens::Entity::find()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token_hash, token);
    assert_eq!(
        rows[0].token_hash,
        attache_web::auth::tokens::hash_token(&token)
    );
    let user = attache_web::services::api_tokens::authenticate(&db, &token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.email, "r@example.org");
    assert!(
        attache_web::services::api_tokens::authenticate(&db, "att_wrong")
            .await
            .unwrap()
            .is_none()
    );

    let o = attache(
        &database.url,
        &["tokens", "issue", "--email", "nobody@example.org"],
        None,
    );
    assert!(!o.status.success());
    assert!(
        err(&o).contains("no active user has the email"),
        "{}",
        err(&o)
    );
}

/// A token's last use is recorded, but not rewritten on every request.
#[tokio::test]
async fn token_use_is_recorded_without_a_write_per_request() {
    let database = support::fresh_database().await;
    let db = attache_web::db::connect(&database.url).await.unwrap();
    let user = attache_web::services::users::create(
        &db,
        "t@example.org",
        "T",
        attache_web::auth::UserRole::Recruiter,
        None,
        None,
    )
    .await
    .unwrap();
    let token = attache_web::services::api_tokens::issue(&db, user.id, "t", None)
        .await
        .unwrap();
    let last_used = || async {
        attache_web::entities::api_tokens::Entity::find()
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
    };
    assert_eq!(last_used().await, None);
    attache_web::services::api_tokens::authenticate(&db, &token)
        .await
        .unwrap()
        .unwrap();
    let first = last_used().await.expect("first use is recorded");
    attache_web::services::api_tokens::authenticate(&db, &token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        last_used().await,
        Some(first),
        "a second use within the minute writes nothing"
    );
}
