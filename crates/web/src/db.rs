//! Connecting to SQLite or PostgreSQL, and beginning write transactions.

use std::path::Path;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Connect to the database at `url` (`sqlite://...` or `postgres://...`).
///
/// SQLite files are created on first use, with their directory. They run in WAL mode with
/// `synchronous=NORMAL`, foreign keys on and a busy timeout, so concurrent writers wait
/// rather than fail. SQL statements are never logged: they carry candidate data.
///
/// # Errors
/// The URL is not understood, the directory cannot be created, or the database cannot be
/// reached.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(ACQUIRE_TIMEOUT);
    if url.starts_with("sqlite:") {
        if let Some(dir) = sqlite_file(url).and_then(|p| p.parent().map(Path::to_path_buf))
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&dir)
                .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
            });
    } else {
        options.max_connections(16).min_connections(1);
    }
    Database::connect(options).await
}

/// How long a request waits for a free connection before it is answered 503 (with
/// `Retry-After`) rather than left hanging.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether `e` is a moment of overload rather than a fault: no connection came free within
/// [`ACQUIRE_TIMEOUT`], or SQLite stayed locked by another writer beyond its busy timeout.
/// Trying again shortly is the cure.
pub fn is_busy(e: &DbErr) -> bool {
    use sea_orm::sqlx;
    match e {
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => true,
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sqlx::Error::PoolTimedOut => true,
            // SQLITE_BUSY, SQLITE_LOCKED and SQLITE_BUSY_SNAPSHOT.
            sqlx::Error::Database(d) => {
                d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    && matches!(d.code().as_deref(), Some("5" | "6" | "517"))
            }
            _ => false,
        },
        _ => false,
    }
}

/// The file path of an SQLite URL, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| Path::new(path))
}

/// Begin a transaction that will write. On SQLite it begins IMMEDIATE, taking the write
/// lock up front, so a read-then-write transaction cannot fail half-way with SQLITE_BUSY.
///
/// # Errors
/// The database refused to begin a transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let sqlite_transaction_mode = (db.get_database_backend() == DatabaseBackend::Sqlite)
        .then_some(SqliteTransactionMode::Immediate);
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode,
    })
    .await
}

/// On PostgreSQL, a session-level advisory lock held while an instance migrates the schema
/// and loads the seed data: instances started together take turns instead of one failing
/// on the other's half-made tables. On SQLite (one machine's file) it holds nothing.
#[derive(Debug)]
pub struct StartupLock(Option<DatabaseConnection>);

/// The advisory lock's key: any constant the application alone uses.
const STARTUP_LOCK_KEY: i64 = 0x0A77_AC4E;

impl StartupLock {
    /// Wait for the lock on the database at `url`.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn take(url: &str) -> Result<Self, DbErr> {
        if !url.starts_with("postgres") {
            return Ok(StartupLock(None));
        }
        // One connection of its own: the lock belongs to the session that took it.
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .max_connections(1)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10));
        let conn = Database::connect(options).await?;
        conn.execute_unprepared(&format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})"))
            .await?;
        Ok(StartupLock(Some(conn)))
    }

    /// Let the next instance go on.
    pub async fn release(self) {
        if let Some(conn) = self.0 {
            let _ = conn
                .execute_unprepared(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})"))
                .await;
            let _ = conn.close().await;
        }
    }
}

/// Placeholders and values for one raw statement, in the backend's syntax.
#[derive(Debug)]
pub struct Sql {
    backend: DatabaseBackend,
    pub values: Vec<sea_orm::Value>,
}

impl Sql {
    pub fn new(backend: DatabaseBackend) -> Self {
        Sql {
            backend,
            values: Vec::new(),
        }
    }

    /// Add a value; the parameter marker (`$1` or `?`) to write into the statement for it.
    pub fn bind(&mut self, value: impl Into<sea_orm::Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// The statement `sql`, with the values bound so far.
    pub fn statement(self, sql: impl Into<String>) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_file_paths_are_found_in_urls() {
        assert_eq!(
            sqlite_file("sqlite://data/attache.db"),
            Some(Path::new("data/attache.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc"),
            Some(Path::new("/tmp/x.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}
