//! Checks shared by the forms that set a password: first-admin set-up, accepting an
//! invitation, and password reset.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::password::Passwords;
use crate::error::{AppError, Result};
pub use crate::fields::{FieldErrors, capitalise};
use crate::state::AppState;

/// A form's fields as sent, in order, so a field may repeat (checkboxes).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `key`, or empty.
    pub fn one(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every value of `key` that is a number; others are dropped.
    pub fn ids(&self, key: &str) -> Vec<i32> {
        self.all(key)
            .iter()
            .filter_map(|v| v.trim().parse().ok())
            .collect()
    }
}

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

/// Check a new password and its confirmation, adding messages for the `password` and
/// `confirm` fields.
pub fn check_new_password(password: &str, confirm: &str, errors: &mut FieldErrors) {
    if let Err(e) = Passwords::check_policy(password) {
        errors.insert("password", format!("{}.", capitalise(&e.to_string())));
    } else if password != confirm {
        errors.insert("confirm", "The two passwords differ.");
    }
}

/// Check a name, adding a message for the `name` field; the checked name if it is good.
pub fn check_name(name: &str, errors: &mut FieldErrors) -> Option<String> {
    errors.take(
        crate::fields::required(crate::fields::NAME, name).map_err(|mut e| {
            if e.message == "Enter the name." {
                e.message = "Enter your name.".to_owned();
            }
            e
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_messages_name_the_problem() {
        let mut errors = FieldErrors::new();
        check_new_password("short", "short", &mut errors);
        assert!(
            errors
                .get("password")
                .unwrap()
                .starts_with(char::is_uppercase),
            "{errors:?}"
        );
        let mut errors = FieldErrors::new();
        check_new_password("a long enough passphrase", "a different one!!", &mut errors);
        assert_eq!(errors.get("confirm"), Some("The two passwords differ."));
        let mut errors = FieldErrors::new();
        check_new_password(
            "a long enough passphrase",
            "a long enough passphrase",
            &mut errors,
        );
        assert_eq!(check_name("  Ana ", &mut errors).as_deref(), Some("Ana"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(check_name("  ", &mut errors), None);
        assert_eq!(errors.get("name"), Some("Enter your name."));
        let mut errors = FieldErrors::new();
        check_name(&"x".repeat(1_500_000), &mut errors);
        assert_eq!(
            errors.get("name"),
            Some("Name may have at most 200 characters; this has 1500000.")
        );
    }
}
