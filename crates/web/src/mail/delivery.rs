//! The outbox worker: claims due mail, sends it over SMTP (or writes `.eml` files when no
//! SMTP server is configured), and reschedules what failed with exponential backoff.
//!
//! Claiming moves a message's `next_attempt_at` forward by a lease in one short write
//! transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, an IMMEDIATE transaction on
//! SQLite), so several instances never claim the same message, and mail claimed by an
//! instance that dies is retried once the lease runs out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::{Notify, watch};

use crate::db::begin_write;
use crate::entities::mail_outbox;

/// Waiting to be sent (or to be retried).
pub const PENDING: &str = "pending";
/// Delivered to the SMTP server, or written to a file.
pub const SENT: &str = "sent";
/// Given up on: refused permanently, or still failing after [`MAX_ATTEMPTS`].
pub const FAILED: &str = "failed";

/// Attempts before a message is given up on: with [`backoff`], about 14 hours of outage.
pub const MAX_ATTEMPTS: i32 = 20;
/// Messages claimed per round.
const BATCH: u64 = 20;
/// How long a claimed message is reserved for the worker that claimed it.
const LEASE: Duration = Duration::from_secs(300);
/// How often the worker looks for mail it was not woken for (other instances' mail,
/// retries that have come due).
const POLL: Duration = Duration::from_secs(5);
/// Longest wait for an SMTP server's reply.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The wait after the `attempts`-th failed attempt: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 7)).unwrap_or(0);
    Duration::from_secs(30 * 2u64.pow(doublings)).min(Duration::from_secs(3600))
}

/// The mail settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "ATTACHE_SMTP_URL is not usable: {0} (expected smtp://HOST:PORT, smtp://HOST:PORT?tls=required for STARTTLS, or smtps://HOST:PORT)"
    )]
    SmtpUrl(String),
    #[error("the mail From address {0:?} is not an email address")]
    From(String),
}

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// Host and port, never credentials, for the log.
        server: String,
    },
    /// `.eml` files in this directory.
    Files(PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Transport {
    /// SMTP when `smtp_url` is given, else files under `data_dir/mail`.
    ///
    /// # Errors
    /// The SMTP URL cannot be used.
    pub fn new(smtp_url: Option<&str>, data_dir: &Path) -> Result<Transport, SetupError> {
        let Some(url) = smtp_url else {
            return Ok(Transport::Files(data_dir.join("mail")));
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SetupError::SmtpUrl(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let server = url
            .split_once("://")
            .map(|(scheme, rest)| {
                let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                let host = host.split(['/', '?']).next().unwrap_or(host);
                format!("{scheme}://{host}")
            })
            .unwrap_or_default();
        Ok(Transport::Smtp { transport, server })
    }

    /// Where mail goes, for the log: no credentials.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { server, .. } => format!("SMTP server {server}"),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    async fn send(&self, id: i32, message: &Message) -> Result<(), Failure> {
        match self {
            Transport::Smtp { transport, .. } => {
                transport
                    .send(message.clone())
                    .await
                    .map(|_| ())
                    .map_err(|e| Failure {
                        permanent: e.is_permanent(),
                        // A server's reply can quote the recipient: the log gets its code only.
                        for_log: match e.status() {
                            Some(code) => format!("SMTP server replied {code}"),
                            None => e.to_string(),
                        },
                        detail: e.to_string(),
                    })
            }
            Transport::Files(dir) => {
                write_eml(dir, id, &message.formatted())
                    .await
                    .map_err(|e| Failure {
                        permanent: false,
                        for_log: e.to_string(),
                        detail: e.to_string(),
                    })
            }
        }
    }
}

/// Write `outbox-ID.eml` whole or not at all (a temporary file, then a rename), so a
/// reader never sees half a message and a retry overwrites rather than duplicates.
async fn write_eml(dir: &Path, id: i32, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("outbox-{id:08}.eml"));
    let partial = dir.join(format!(".outbox-{id:08}.eml.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await
}

/// Why one attempt failed.
#[derive(Debug)]
struct Failure {
    /// The server refused the message for good (a 5xx reply, a bad address).
    permanent: bool,
    /// Safe to log: no addresses or content.
    for_log: String,
    /// Kept on the outbox row for admins.
    detail: String,
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    /// Failed this time; tried again after [`backoff`].
    pub retrying: usize,
    /// Given up on.
    pub failed: usize,
}

impl Delivered {
    fn claimed(&self) -> usize {
        self.sent + self.retrying + self.failed
    }
}

/// Sends what is in the outbox.
#[derive(Debug, Clone)]
pub struct Worker {
    db: DatabaseConnection,
    transport: Transport,
    from: Mailbox,
}

impl Worker {
    /// A worker sending as `from` (`Name <address>` or a bare address).
    ///
    /// # Errors
    /// `from` is not an address.
    pub fn new(
        db: DatabaseConnection,
        transport: Transport,
        from: &str,
    ) -> Result<Worker, SetupError> {
        let from = from
            .parse()
            .map_err(|_| SetupError::From(from.to_owned()))?;
        Ok(Worker {
            db,
            transport,
            from,
        })
    }

    /// Claim the mail due at `now`, up to a batch, and try to send each message once.
    ///
    /// # Errors
    /// The database failed; what was claimed is retried when the lease runs out.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<Delivered, DbErr> {
        let mut done = Delivered::default();
        for row in self.claim(now).await? {
            // `claim` counted this attempt.
            let attempts = row.attempts + 1;
            let id = row.id;
            let outcome = match self.message(&row) {
                Ok(message) => self.transport.send(id, &message).await,
                Err(reason) => Err(Failure {
                    permanent: true,
                    for_log: reason.clone(),
                    detail: reason,
                }),
            };
            let mut update: mail_outbox::ActiveModel = row.into();
            match outcome {
                Ok(()) => {
                    update.status = Set(SENT.to_owned());
                    update.sent_at = Set(Some(Utc::now()));
                    update.last_error = Set(None);
                    done.sent += 1;
                }
                Err(failure) => {
                    let give_up = failure.permanent || attempts >= MAX_ATTEMPTS;
                    tracing::warn!(
                        outbox_id = id,
                        attempts,
                        give_up,
                        error = %failure.for_log,
                        "mail not delivered"
                    );
                    update.last_error = Set(Some(failure.detail));
                    if give_up {
                        update.status = Set(FAILED.to_owned());
                        done.failed += 1;
                    } else {
                        update.next_attempt_at = Set(now + backoff(attempts));
                        done.retrying += 1;
                    }
                }
            }
            update.update(&self.db).await?;
        }
        if done.sent > 0 {
            tracing::info!(sent = done.sent, "mail delivered");
        }
        Ok(done)
    }

    /// Reserve due messages for this worker: push their next attempt a lease ahead and
    /// count the attempt, in one transaction that skips rows another worker holds.
    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<mail_outbox::Model>, DbErr> {
        let txn = begin_write(&self.db).await?;
        let mut due = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Status.eq(PENDING))
            .filter(mail_outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(mail_outbox::Column::NextAttemptAt)
            .order_by_asc(mail_outbox::Column::Id)
            .limit(BATCH);
        if self.db.get_database_backend() == DatabaseBackend::Postgres {
            due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = due.all(&txn).await?;
        if !rows.is_empty() {
            mail_outbox::Entity::update_many()
                .col_expr(
                    mail_outbox::Column::Attempts,
                    Expr::col(mail_outbox::Column::Attempts).add(1),
                )
                .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(now + LEASE))
                .filter(mail_outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(rows)
    }

    /// The MIME message for an outbox row; `Err` says why it can never be sent.
    fn message(&self, row: &mail_outbox::Model) -> Result<Message, String> {
        let to: Mailbox = row
            .to_address
            .parse()
            .map_err(|_| "the recipient is not a valid email address".to_owned())?;
        let body = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
        let body = match (&row.attachment_name, &row.attachment) {
            (Some(name), Some(bytes)) => MultiPart::mixed().multipart(body).singlepart(
                Attachment::new(name.clone()).body(bytes.clone(), content_type_of(name, bytes)),
            ),
            _ => body,
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .multipart(body)
            .map_err(|e| format!("the message cannot be built: {e}"))
    }

    /// Deliver until `stop` turns true: whenever woken, and every few seconds.
    pub async fn run(self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        tracing::info!(to = %self.transport.describe(), "mail worker started");
        loop {
            match self.deliver_due(Utc::now()).await {
                // A full batch: there may be more waiting.
                Ok(done) if done.claimed() as u64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail worker cannot reach the database"),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// The attachment's MIME type; an iCalendar file says whether it asks or cancels, as
/// calendar programs expect.
fn content_type_of(name: &str, bytes: &[u8]) -> ContentType {
    let cancels = bytes.windows(13).any(|w| w == b"METHOD:CANCEL");
    let parsed = if name.ends_with(".ics") && cancels {
        ContentType::parse("text/calendar; charset=utf-8; method=CANCEL")
    } else if name.ends_with(".ics") {
        ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
    } else {
        ContentType::parse("application/octet-stream")
    };
    parsed.unwrap_or(ContentType::TEXT_PLAIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let secs: Vec<u64> = (1..=10).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(0).as_secs(), 30);
        let total: u64 = (1..MAX_ATTEMPTS).map(|n| backoff(n).as_secs()).sum();
        assert!((13 * 3600..15 * 3600).contains(&total), "{total}");
    }

    #[test]
    fn smtp_urls_are_checked_and_never_shown_with_credentials() {
        let data = Path::new("data");
        for url in [
            "smtp://localhost:2525",
            "smtp://user:secret@mail.example.org:587?tls=required",
            "smtps://user:secret@mail.example.org",
        ] {
            let t = Transport::new(Some(url), data).unwrap();
            assert!(!t.describe().contains("secret"), "{}", t.describe());
            assert!(!format!("{t:?}").contains("user"), "{t:?}");
        }
        assert_eq!(
            Transport::new(Some("smtp://u:p@mail.example.org:587?tls=required"), data)
                .unwrap()
                .describe(),
            "SMTP server smtp://mail.example.org:587"
        );
        let bad = Transport::new(Some("mailto:x"), data).unwrap_err();
        assert!(bad.to_string().contains("ATTACHE_SMTP_URL"), "{bad}");
        assert_eq!(
            Transport::new(None, data).unwrap().describe(),
            ".eml files in data/mail"
        );
    }
}
