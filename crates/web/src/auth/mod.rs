//! Who is asking: passwords, users' roles and API tokens.

pub mod csrf;
pub mod current;
pub mod password;
pub mod rate_limit;
pub mod session_store;
pub mod tokens;

use std::fmt;
use std::str::FromStr;

/// What a user may do in Attaché.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserRole {
    Admin,
    Recruiter,
    Interviewer,
    HiringManager,
}

impl UserRole {
    pub const ALL: [UserRole; 4] = [
        UserRole::Admin,
        UserRole::Recruiter,
        UserRole::Interviewer,
        UserRole::HiringManager,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::Recruiter => "recruiter",
            UserRole::Interviewer => "interviewer",
            UserRole::HiringManager => "hiring_manager",
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not a user role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected admin, recruiter, interviewer or hiring manager")]
pub struct UnknownUserRole(pub String);

impl FromStr for UserRole {
    type Err = UnknownUserRole;

    /// The role's name in any case, with a space, hyphen or underscore between words:
    /// "hiring manager", "Hiring-Manager" and "hiring_manager" are one role.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .trim()
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        UserRole::ALL
            .into_iter()
            .find(|r| r.as_str() == key)
            .ok_or_else(|| UnknownUserRole(s.to_owned()))
    }
}

/// A random password of 20 characters from an alphabet without look-alikes (about 115
/// bits), for accounts created without one.
pub fn generate_password() -> String {
    use password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| {
            // Rejection sampling keeps every character equally likely.
            loop {
                let b = (OsRng.next_u32() & 0x3f) as usize;
                if let Some(&c) = ALPHABET.get(b) {
                    return char::from(c);
                }
            }
        })
        .collect()
}

/// `n` random bytes from the operating system, as lower-case hex.
pub(crate) fn random_hex(n: usize) -> String {
    use password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_by_their_names_only() {
        for r in UserRole::ALL {
            assert_eq!(r.as_str().parse(), Ok(r));
        }
        for spelling in [
            "hiring manager",
            "Hiring Manager",
            "hiring-manager",
            " HIRING_MANAGER ",
        ] {
            assert_eq!(spelling.parse(), Ok(UserRole::HiringManager), "{spelling}");
        }
        assert!("superuser".parse::<UserRole>().is_err());
        assert!("hiringmanager".parse::<UserRole>().is_err());
    }

    #[test]
    fn generated_passwords_are_long_random_and_unambiguous() {
        let p = generate_password();
        assert_eq!(p.chars().count(), 20);
        assert_ne!(p, generate_password());
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
    }

    #[test]
    fn random_hex_is_random_and_the_right_length() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32));
    }
}
