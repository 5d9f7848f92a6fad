//! Email. A change that sends mail renders it from `templates/emails/` and writes it to the
//! outbox in the same transaction ([`Email::enqueue`]), so mail goes out exactly when the
//! change commits. The [`delivery`] worker sends it, retrying with backoff.

pub mod delivery;

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde::Serialize;
use tokio::sync::Notify;

use crate::entities::mail_outbox;
use crate::templates::templates;

/// What handlers need to send mail: where links point, and a way to wake the worker.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The address users reach Attaché at, without a trailing slash.
    pub public_url: String,
    wake: Arc<Notify>,
}

impl Mail {
    pub fn new(public_url: impl Into<String>) -> Self {
        Mail {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The host name of the public address, for identifiers such as calendar UIDs.
    pub fn host(&self) -> String {
        let rest = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, r)| r);
        rest.split(['/', ':'])
            .next()
            .unwrap_or("localhost")
            .to_owned()
    }

    /// Tell the worker there is new mail, after the transaction that wrote it commits.
    /// Without this it still finds the mail on its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// What the worker waits on.
    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }
}

/// A template could not be rendered: a bug, never the user's input.
#[derive(Debug, thiserror::Error)]
#[error("email template {name}: {message}")]
pub struct TemplateError {
    name: String,
    message: String,
}

/// One email, rendered and ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// File name and contents.
    pub attachment: Option<(String, Vec<u8>)>,
}

impl Email {
    /// Render `emails/NAME.subject.txt`, `emails/NAME.txt` and `emails/NAME.html` with `ctx`.
    ///
    /// # Errors
    /// A template is missing or fails to render.
    pub fn render(to: &str, name: &str, ctx: impl Serialize) -> Result<Email, TemplateError> {
        let ctx = minijinja::Value::from_serialize(ctx);
        let part = |suffix: &str| {
            let file = format!("emails/{name}.{suffix}");
            templates()
                .render_raw(&file, &ctx)
                .map_err(|e| TemplateError {
                    name: file,
                    message: format!("{e:#}"),
                })
        };
        // One line, whatever the template's whitespace.
        let subject = part("subject.txt")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Email {
            to: to.to_owned(),
            subject,
            text: part("txt")?,
            html: part("html")?,
            attachment: None,
        })
    }

    /// Write the email to the outbox, due now. Call inside the transaction of the change
    /// that causes it, then [`Mail::wake`] after it commits.
    ///
    /// # Errors
    /// The database failed.
    pub async fn enqueue(self, db: &impl ConnectionTrait) -> Result<i32, DbErr> {
        let now = Utc::now();
        let (attachment_name, attachment) = match self.attachment {
            Some((name, bytes)) => (Some(name), Some(bytes)),
            None => (None, None),
        };
        let row = mail_outbox::ActiveModel {
            to_address: Set(self.to),
            subject: Set(self.subject),
            text_body: Set(self.text),
            html_body: Set(self.html),
            attachment: Set(attachment),
            attachment_name: Set(attachment_name),
            status: Set(delivery::PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(row.id)
    }
}
