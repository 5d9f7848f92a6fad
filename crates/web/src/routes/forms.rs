//! Checks shared by the forms that set a password: first-admin set-up, accepting an
//! invitation, and password reset.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::password::Passwords;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// What a form says when an email address is not one.
pub const EMAIL_HINT: &str = "Enter an email address like name@example.org.";

/// A form shown again with its errors: 422.
pub fn unprocessable(html: String) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
}

/// Hash a new password that has passed [`check_new_password`].
///
/// # Errors
/// Hashing failed: an internal error.
pub async fn hash_new_password(state: &AppState, password: String) -> Result<String> {
    state
        .passwords
        .hash(password)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Field name to message, for templates to show beside each field.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// Check a new password and its confirmation, adding messages for the `password` and
/// `confirm` fields.
pub fn check_new_password(password: &str, confirm: &str, errors: &mut FieldErrors) {
    if let Err(e) = Passwords::check_policy(password) {
        errors.insert("password", format!("{}.", capitalise(&e.to_string())));
    } else if password != confirm {
        errors.insert("confirm", "The two passwords differ.".to_owned());
    }
}

/// Check a name, adding a message for the `name` field.
pub fn check_name(name: &str, errors: &mut FieldErrors) {
    if name.trim().is_empty() {
        errors.insert("name", "Enter your name.".to_owned());
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_messages_name_the_problem() {
        let mut errors = FieldErrors::new();
        check_new_password("short", "short", &mut errors);
        assert!(
            errors["password"].starts_with(char::is_uppercase),
            "{errors:?}"
        );
        let mut errors = FieldErrors::new();
        check_new_password("a long enough passphrase", "a different one!!", &mut errors);
        assert_eq!(errors["confirm"], "The two passwords differ.");
        let mut errors = FieldErrors::new();
        check_new_password(
            "a long enough passphrase",
            "a long enough passphrase",
            &mut errors,
        );
        check_name("  Ana ", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        check_name("  ", &mut errors);
        assert_eq!(errors["name"], "Enter your name.");
    }
}
