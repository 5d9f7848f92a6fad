//! What every handler can reach.

use std::sync::Arc;

use attache_core::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::auth::csrf::CsrfKey;
use crate::auth::password::Passwords;
use crate::auth::rate_limit::Limits;
use crate::mail::Mail;

/// Shared, cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Every role and the search index over them, loaded from the database at start-up.
    pub taxonomy: Arc<Taxonomy>,
    pub passwords: Passwords,
    /// Whether session cookies are marked Secure.
    pub secure_cookies: bool,
    pub limits: Limits,
    pub mail: Mail,
    /// Work a request starts but does not wait for; shutdown waits for it.
    pub background: tokio_util::task::TaskTracker,
    /// Signs anonymous visitors' CSRF tokens; the same on every instance.
    pub csrf_key: CsrfKey,
}

impl AppState {
    /// State over a database whose roles are already loaded.
    ///
    /// # Errors
    /// The roles cannot be read from the database.
    pub async fn new(db: DatabaseConnection, passwords: Passwords) -> anyhow::Result<Self> {
        let roles = crate::services::roles::load_all(&db).await?;
        let csrf_key =
            CsrfKey::new(crate::services::server_keys::load_or_create(&db, "csrf").await?);
        Ok(AppState {
            db,
            taxonomy: Arc::new(Taxonomy::new(roles)),
            passwords,
            secure_cookies: false,
            limits: Limits::default(),
            mail: Mail::new("http://localhost:8080"),
            background: tokio_util::task::TaskTracker::new(),
            csrf_key,
        })
    }
}
