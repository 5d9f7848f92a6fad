//! What every handler can reach.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use attache_core::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::auth::csrf::CsrfKey;
use crate::auth::password::Passwords;
use crate::auth::rate_limit::Limits;
use crate::mail::Mail;

/// What every handler can reach, behind one pointer: a request clones the state several
/// times (each extractor and middleware takes its own), and cloning a dozen reference
/// counts on every one was a fifth of the CPU of a scorecard submission. Reads go through
/// `Deref`; changing a field (at start-up, in tests) copies the fields first if the state
/// is shared, so a clone never sees another's change.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// The fields of [`AppState`].
#[derive(Debug, Clone)]
pub struct Shared {
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
        Ok(AppState(Arc::new(Shared {
            db,
            taxonomy: Arc::new(Taxonomy::new(roles)),
            passwords,
            secure_cookies: false,
            limits: Limits::default(),
            mail: Mail::new("http://localhost:8080"),
            background: tokio_util::task::TaskTracker::new(),
            csrf_key,
        })))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}
