//! What people may type: the length of every free-text field and the rules for email
//! addresses, in one place shared by forms, the JSON API, CSV import and the command line.
//! Every check gives a message that names the field and, for lengths, its limit.

use std::collections::BTreeMap;
use std::fmt;

/// A free-text field and its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The field's name in forms and JSON (`name`, `email`, `q`).
    pub key: &'static str,
    /// How a person would name it in a sentence ("Name", "Email address").
    pub label: &'static str,
    /// At most this many characters.
    pub max_chars: usize,
    /// Whether line breaks are allowed (notes and summaries).
    pub multiline: bool,
}

const fn line(key: &'static str, label: &'static str, max_chars: usize) -> Field {
    Field {
        key,
        label,
        max_chars,
        multiline: false,
    }
}

const fn text(key: &'static str, label: &'static str, max_chars: usize) -> Field {
    Field {
        key,
        label,
        max_chars,
        multiline: true,
    }
}

/// A person's name.
pub const NAME: Field = line("name", "Name", 200);
/// An email address (RFC 5321 caps a path at 254 characters).
pub const EMAIL: Field = line("email", "Email address", 254);
/// A job title, a requisition's title.
pub const TITLE: Field = line("title", "Title", 200);
/// A place, a source, a short label.
pub const LOCATION: Field = line("location", "Location", 200);
/// Where an interview happens: a room, an address or a video link.
pub const PLACE: Field = line("location", "Place or video link", 500);
/// Where a candidate came from.
pub const SOURCE: Field = line("source", "Source", 200);
/// What to search for.
pub const SEARCH_QUERY: Field = line("q", "Search text", 200);
/// A reason given for a change.
pub const REASON: Field = text("reason", "Reason", 1000);
/// A summary of a candidate or a scorecard.
pub const SUMMARY: Field = text("summary", "Summary", 5000);
/// Notes.
pub const NOTES: Field = text("notes", "Notes", 5000);

/// A pipeline stage as typed (any capitals), or a message for the `stage` field that lists
/// the stages.
///
/// # Errors
/// Not a stage.
pub fn stage(text: &str) -> Result<attache_core::Stage, FieldError> {
    text.trim()
        .to_lowercase()
        .parse()
        .map_err(|e: attache_core::pipeline::UnknownStage| {
            FieldError::new("stage", capitalise(&e.to_string()))
        })
}

/// One field's problem, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Field name to message, for forms to show beside each field and the API to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Record a message for `field`; the first message for a field is kept.
    pub fn insert(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn add(&mut self, e: FieldError) {
        self.insert(e.field, e.message);
    }

    /// Keep the value of a check, or record its problem and give `None`.
    pub fn take<T>(&mut self, checked: Result<T, FieldError>) -> Option<T> {
        checked.map_err(|e| self.add(e)).ok()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.0.values().map(String::as_str).collect();
        f.write_str(&messages.join(" "))
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(e);
        errors
    }
}

/// Characters that reorder text or hide in it: bidirectional embeddings, overrides and
/// isolates (U+202A-U+202E, U+2066-U+2069). In a name they can make a list lie about
/// what it shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` may appear in text of this field: no control characters (but line breaks
/// and tabs in multi-line fields) and no bidirectional controls.
fn allowed(field: &Field, c: char) -> bool {
    if field.multiline && matches!(c, '\n' | '\r' | '\t') {
        return true;
    }
    !c.is_control() && !is_bidi_control(c)
}

/// Check only that `value`, trimmed, is within the field's length.
///
/// # Errors
/// Too long.
pub fn check_length(field: Field, value: &str) -> Result<(), FieldError> {
    let n = value.trim().chars().count();
    if n > field.max_chars {
        return Err(FieldError::new(
            field.key,
            format!(
                "{} may have at most {} characters; this has {n}.",
                field.label, field.max_chars
            ),
        ));
    }
    Ok(())
}

/// Check optional text: trimmed; `None` when empty.
///
/// # Errors
/// Too long, or holding control characters.
pub fn optional(field: Field, value: &str) -> Result<Option<String>, FieldError> {
    check_length(field, value)?;
    let value = value.trim();
    if value.chars().any(|c| !allowed(&field, c)) {
        return Err(FieldError::new(
            field.key,
            format!(
                "{} holds invisible control characters; type it again without them.",
                field.label
            ),
        ));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// Check required text: trimmed and not empty.
///
/// # Errors
/// Empty, too long, or holding control characters.
pub fn required(field: Field, value: &str) -> Result<String, FieldError> {
    optional(field, value)?
        .ok_or_else(|| FieldError::new(field.key, format!("Enter the {}.", lower(field.label))))
}

/// The text with its first letter in capitals.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn lower(label: &str) -> String {
    let mut c = label.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// What a form says when an email address is not one.
pub const EMAIL_HINT: &str = "Enter an email address like name@example.org.";

/// Trimmed and lower-cased, so one person has one account whatever the capitals.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Check an email address and give it normalised (trimmed, lower-cased).
///
/// The syntax is lettre's (RFC 5322 addresses as SMTP will take them). On top of that:
/// no quoted local part, no IP-address domain, a dot in the domain, and no control or
/// formatting characters (bidirectional overrides, zero-width characters), which could
/// make an address display as something else.
///
/// # Errors
/// Not such an address, or longer than [`EMAIL`] allows.
pub fn email(value: &str) -> Result<String, FieldError> {
    check_length(EMAIL, value)?;
    let email = normalize_email(value);
    if is_email(&email) {
        Ok(email)
    } else {
        Err(FieldError::new(EMAIL.key, EMAIL_HINT))
    }
}

fn is_email(email: &str) -> bool {
    if email.chars().any(|c| {
        c.is_control()
            || c.is_whitespace()
            || is_bidi_control(c)
            || matches!(
                c,
                '"' | '\\' | '<' | '>' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
            )
    }) {
        return false;
    }
    let Ok(address) = email.parse::<lettre::Address>() else {
        return false;
    };
    let domain = address.domain();
    domain.contains('.')
        && !domain.starts_with('[')
        && domain.parse::<std::net::IpAddr>().is_err()
        && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(email("  Ana@Example.ORG ").unwrap(), "ana@example.org");
        for ok in [
            "a@b.co",
            "first.last+tag@mfa.gov.uk",
            "o'brien@example.ie",
            "ana@exämple.de",
        ] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@.co",
            "a b@c.co",
            "a@b.co.",
            "a@b@c.co",
            "\"><svg onload=alert(1)>@x.co",
            "<svg>@x.co",
            "\"quoted\"@x.co",
            "ana\u{202E}gro@x.co",
            "ana@x\u{202E}.co",
            "ana\u{0}@x.co",
            "ana\u{200B}@x.co",
            "ana@[127.0.0.1]",
            "ana@127.0.0.1",
        ] {
            assert_eq!(
                email(bad).unwrap_err().message,
                EMAIL_HINT,
                "{bad:?} should be refused"
            );
        }
        let long = format!("{}@example.org", "a".repeat(300));
        assert!(email(&long).unwrap_err().message.contains("at most 254"));
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_controls() {
        assert_eq!(required(NAME, "  Ana Ruiz ").unwrap(), "Ana Ruiz");
        assert_eq!(required(NAME, "  ").unwrap_err().message, "Enter the name.");
        let e = required(NAME, &"x".repeat(201)).unwrap_err();
        assert_eq!(e.field, "name");
        assert_eq!(
            e.message,
            "Name may have at most 200 characters; this has 201."
        );
        assert!(
            required(NAME, &"é".repeat(200)).is_ok(),
            "characters, not bytes"
        );
        assert!(required(NAME, "Ana\u{202E}ziuR").is_err());
        assert!(required(NAME, "Ana\nRuiz").is_err());
        assert_eq!(
            optional(NOTES, "line one\nline two").unwrap().as_deref(),
            Some("line one\nline two")
        );
        assert!(optional(NOTES, "bell\u{7}").is_err());
        assert_eq!(optional(NOTES, "   ").unwrap(), None);
        assert_eq!(
            required(NAME, "عائشة").unwrap(),
            "عائشة",
            "right-to-left names are fine"
        );
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        errors.insert("name", "first");
        errors.insert("name", "second");
        assert_eq!(errors.get("name"), Some("first"));
        assert_eq!(errors.take(required(EMAIL, "")), None);
        assert_eq!(errors.get("email"), Some("Enter the email address."));
        assert_eq!(errors.take(Ok::<_, FieldError>(3)), Some(3));
    }
}
