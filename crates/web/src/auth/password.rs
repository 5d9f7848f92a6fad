//! Password hashing: argon2id with at least the OWASP parameters, computed off the async
//! runtime and behind a concurrency limit, so a burst of sign-ins cannot starve the
//! requests around it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use password_hash::rand_core::OsRng;
use tokio::sync::Semaphore;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// The longest password accepted (hashing cost does not grow with it, but there is no
/// reason to accept megabytes).
pub const MAX_LENGTH: usize = 1024;

/// Hashes and verifies passwords.
#[derive(Debug, Clone)]
pub struct Passwords {
    params: Params,
    limit: Arc<Semaphore>,
    work: Arc<Work>,
}

/// How much argon2 work has been done: every hash and every verification counts, so a
/// test can tell that a request did (or did not) spend it.
#[derive(Debug, Default)]
struct Work {
    hashes: AtomicU64,
    verifications: AtomicU64,
}

/// Hashing failed (a bug or resource exhaustion), or the password is unacceptable.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("a password may have at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl Passwords {
    /// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    pub fn production() -> Self {
        Self::with_params(19 * 1024, 2, 1)
    }

    /// Cheap parameters, for tests only: hashes still verify, but cost nothing.
    pub fn for_tests() -> Self {
        Self::with_params(8, 1, 1)
    }

    fn with_params(m_cost: u32, t_cost: u32, p_cost: u32) -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Passwords {
            // Constant, valid parameters: construction cannot fail.
            params: Params::new(m_cost, t_cost, p_cost, None).unwrap_or_default(),
            limit: Arc::new(Semaphore::new(cpus)),
            work: Arc::default(),
        }
    }

    /// Passwords hashed so far (the dummy hash for timing included).
    pub fn hashes_computed(&self) -> u64 {
        self.work.hashes.load(Ordering::Relaxed)
    }

    /// Verifications run so far, real and dummy.
    pub fn verifications_run(&self) -> u64 {
        self.work.verifications.load(Ordering::Relaxed)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Check a new password against the length rules.
    ///
    /// # Errors
    /// Too short or too long.
    pub fn check_policy(password: &str) -> Result<(), PasswordError> {
        let n = password.chars().count();
        if n < MIN_LENGTH {
            Err(PasswordError::TooShort)
        } else if n > MAX_LENGTH {
            Err(PasswordError::TooLong)
        } else {
            Ok(())
        }
    }

    /// Check only the upper bound, for passwords typed to sign in.
    ///
    /// # Errors
    /// Too long.
    pub fn check_max_length(password: &str) -> Result<(), PasswordError> {
        if password.chars().count() > MAX_LENGTH {
            Err(PasswordError::TooLong)
        } else {
            Ok(())
        }
    }

    /// The PHC string for a new password.
    ///
    /// # Errors
    /// The password breaks the length rules, or hashing failed.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        Self::check_policy(&password)?;
        let _permit = self
            .limit
            .acquire()
            .await
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        let argon2 = self.argon2();
        self.work.hashes.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| PasswordError::Hash(e.to_string()))
        })
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
    }

    /// Whether `password` matches the PHC string. The parameters stored in the string are
    /// used, so hashes made with older parameters keep working.
    pub async fn verify(&self, password: String, phc: String) -> bool {
        let Ok(_permit) = self.limit.acquire().await else {
            return false;
        };
        let argon2 = self.argon2();
        self.work.verifications.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc)
                .is_ok_and(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .unwrap_or(false)
    }

    /// Spend about as long as verifying a real password, for accounts that do not exist,
    /// so response time does not tell which addresses have accounts.
    pub async fn verify_dummy(&self, password: String) {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let phc = match DUMMY.get() {
            Some(p) => p.clone(),
            None => {
                let p = self
                    .hash("dummy-password-for-timing".to_owned())
                    .await
                    .unwrap_or_default();
                DUMMY.get_or_init(|| p).clone()
            }
        };
        let _ = self.verify(password, phc).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn production_hashes_are_argon2id_with_owasp_parameters() {
        let p = Passwords::production();
        let phc = p.hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(p.verify("correct horse battery".into(), phc.clone()).await);
        assert!(!p.verify("wrong horse battery".into(), phc).await);
    }

    #[tokio::test]
    async fn salts_differ_and_garbage_never_verifies() {
        let p = Passwords::for_tests();
        let a = p.hash("twelve chars!".into()).await.unwrap();
        let b = p.hash("twelve chars!".into()).await.unwrap();
        assert_ne!(a, b);
        assert!(
            !p.verify("twelve chars!".into(), "not a phc string".into())
                .await
        );
    }

    #[tokio::test]
    async fn length_rules_apply() {
        let p = Passwords::for_tests();
        assert!(matches!(
            p.hash("short".into()).await,
            Err(PasswordError::TooShort)
        ));
        assert!(matches!(
            p.hash("x".repeat(MAX_LENGTH + 1)).await,
            Err(PasswordError::TooLong)
        ));
    }
}
