//! `attache serve`: migrate, load the seed data, serve, and shut down gracefully.

use std::time::{Duration, Instant};

use anyhow::Context;
use attache_migrations::{Migrator, MigratorTrait};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::state::AppState;

/// Prepare the database: connect, migrate, and load the seed data idempotently.
///
/// # Errors
/// The database cannot be reached or migrated, or the seed data has errors.
pub async fn prepare(config: &Config) -> anyhow::Result<AppState> {
    // Checked before the database is created or touched: bad seed data changes nothing.
    let roles = crate::seed::load(config.seed_dir.as_deref())?;
    // Migrations, seed data and the re-index take turns with other instances starting.
    let lock = startup_lock(&config.database_url).await?;
    let db = migrated(&config.database_url).await?;
    let report = crate::services::roles::sync_seed(&db, &roles)
        .await
        .context("loading the seed data")?;
    tracing::info!(
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        new_bank_versions = report.new_versions,
        "seed data loaded"
    );
    let mut state = AppState::new(db, crate::auth::password::Passwords::production()).await?;
    if let Some(candidates) =
        crate::services::candidate_roles::reindex_if_stale(&state.db, &state.taxonomy)
            .await
            .context("finding the roles candidates name")?
    {
        tracing::info!(
            candidates,
            "roles found again in candidates' titles and summaries"
        );
    }
    lock.release().await;
    state.secure_cookies = config.secure_cookies;
    state.limits.trust_forwarded_for = config.trust_forwarded_for;
    state.mail = crate::mail::Mail::new(config.public_url());
    Ok(state)
}

/// Connect to the database and bring its schema up to date.
///
/// # Errors
/// The database cannot be reached or migrated; the message names `--database-url`.
pub async fn connect_migrated(url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let lock = startup_lock(url).await?;
    let db = migrated(url).await;
    lock.release().await;
    db
}

fn cannot_open(url: &str) -> String {
    format!(
        "cannot open the database {} (set it with --database-url or ATTACHE_DATABASE_URL)",
        redact(url)
    )
}

async fn startup_lock(url: &str) -> anyhow::Result<crate::db::StartupLock> {
    crate::db::StartupLock::take(url)
        .await
        .with_context(|| cannot_open(url))
}

/// [`connect_migrated`], with the start-up lock held by the caller.
async fn migrated(url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = crate::db::connect(url)
        .await
        .with_context(|| cannot_open(url))?;
    Migrator::up(&db, None)
        .await
        .context("migrating the database")?;
    Ok(db)
}

/// Serve until SIGTERM or Ctrl-C, then let in-flight requests finish for at most the
/// configured grace period.
///
/// # Errors
/// Start-up failed (see [`prepare`]) or the address cannot be bound.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    serve_with(config, false).await
}

/// [`serve`], and with `demo` a database without users is first filled with the demo
/// team, requisitions and 200 candidates (`attache serve --demo`).
///
/// # Errors
/// Start-up failed (see [`prepare`]) or the address cannot be bound.
pub async fn serve_with(config: Config, demo: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let shutdown = shutdown_signal().context("installing signal handlers")?;
    let state = prepare(&config).await?;
    if demo && crate::services::demo::is_empty(&state.db).await? {
        let report = crate::services::demo::populate(&state, 800, 1, |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("filling the demo database: {e}"))?;
        // For the person trying Attaché out: demo accounts only, never real ones.
        println!(
            "\nDemo data: {} requisitions, {} candidates, {} interviews, {} submitted scorecards. \
             Sign in as any of these, password \"{}\":",
            report.requisitions,
            report.candidates,
            report.interviews,
            report.scorecards,
            crate::services::demo::PASSWORD
        );
        for (name, email, role) in crate::services::demo::TEAM {
            println!("  {email:<24} {name} ({})", role.as_str().replace('_', " "));
        }
    }
    let transport =
        crate::mail::delivery::Transport::new(config.smtp_url.as_deref(), &config.data_dir)?;
    let worker =
        crate::mail::delivery::Worker::new(state.db.clone(), transport, &config.mail_from)?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    // Expired sessions and one-time links are removed every hour by each instance.
    let store = crate::auth::session_store::DbSessionStore::new(state.db.clone());
    let db = state.db.clone();
    tokio::spawn(async move {
        use tower_sessions::session_store::ExpiredDeletion;
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not remove expired sessions");
            }
            if let Err(e) = crate::services::links::delete_expired(&db).await {
                tracing::warn!(error = %e, "could not remove expired links");
            }
        }
    });
    if config.public_url.is_none() && config.bind.ip().is_unspecified() {
        tracing::warn!(
            "links in emails will point at {}: set --public-url to the address users reach Attaché at",
            config.public_url()
        );
    }
    tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "listening on http://{addr}");
    if let Some(token) = crate::services::setup::start(&state.db).await? {
        // Printed for the operator, never logged: it is a secret until used.
        println!(
            "\nNo users yet. Create the first admin account within {} minutes at:\n  http://{addr}/setup/{token}\n",
            crate::services::setup::VALID_FOR_MINUTES
        );
    }
    // The worker stops taking new mail at shutdown; what it is sending finishes.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mail_worker = tokio::spawn(worker.run(state.mail.waker(), stop_rx.clone()));
    // Scorecard reminders; the instance name says who sent each, for the operator.
    let instance = format!("{}:{}", addr, std::process::id());
    tokio::spawn(crate::services::reminders::run(
        state.db.clone(),
        state.mail.clone(),
        instance,
        stop_rx,
    ));
    let background = state.background.clone();
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let served = run(listener, state, shutdown, config.shutdown_grace).await;
    background.close();
    let finish = async {
        background.wait().await;
        let _ = mail_worker.await;
    };
    if tokio::time::timeout(config.shutdown_grace, finish)
        .await
        .is_err()
    {
        tracing::warn!(
            "background work still running after the grace period; mail not yet sent stays in the outbox"
        );
    }
    served
}

/// Serve on `listener` until `shutdown` completes, then drain for at most `grace`.
///
/// # Errors
/// The server failed.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    let (tx, mut draining) = tokio::sync::watch::channel(false);
    let app = crate::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = tx.send(true);
    });
    tokio::select! {
        result = server => result.context("server error"),
        () = async move {
            let _ = draining.wait_for(|d| *d).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_seconds = grace.as_secs(), "grace period over; closing remaining connections");
            Ok(())
        }
    }
}

/// A future that completes on SIGTERM or Ctrl-C. The handlers are installed when this is
/// called, not when the future is first polled: a signal that arrives while the server is
/// still starting must shut it down gracefully, not kill it.
///
/// # Errors
/// The handlers could not be installed.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = interrupt.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// A database URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact("sqlite://data/attache.db"),
            "sqlite://data/attache.db"
        );
    }
}
