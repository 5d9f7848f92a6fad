//! Fixed-window rate limits on attempts that guess secrets or send mail: sign-in, password
//! reset and bearer tokens.
//! Kept in memory, so each instance counts its own traffic.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;

/// At most `limit` attempts per `window` for each key.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            limit,
            window,
            windows: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Count an attempt for `key`; `Err(seconds)` to wait when over the limit.
    ///
    /// # Errors
    /// Over the limit: the seconds until the window resets.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(()); // a poisoned lock must not lock everyone out
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            Err(left.as_secs().max(1))
        } else {
            Ok(())
        }
    }
}

/// The limits the application applies.
///
/// Sign-in is limited three ways. Per client address, so one machine cannot guess at many
/// accounts. Per account and client address together, so one machine cannot guess at one
/// account, while the owner, signing in from elsewhere, is not locked out by a stranger.
/// And per account from anywhere, with a ceiling ten times higher, so guessing spread over
/// many addresses is still bounded; only such a distributed attack can lock an owner out.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Sign-in attempts per client address.
    pub sign_in_per_client: RateLimiter,
    /// Sign-in attempts per account (email) from one client address.
    pub sign_in_per_account_and_client: RateLimiter,
    /// Sign-in attempts per account (email) from anywhere: the ceiling.
    pub sign_in_per_account: RateLimiter,
    /// Guesses at the current password when changing it, per account.
    pub password_change_per_account: RateLimiter,
    /// Submissions of set-up and invitation links per client address.
    pub links_per_client: RateLimiter,
    /// Password-reset requests and reset-link submissions per client address.
    pub reset_per_client: RateLimiter,
    /// Password-reset requests per address asked about, known or not.
    pub reset_per_account: RateLimiter,
    /// Failed bearer-token attempts per client address.
    pub bad_tokens_per_client: RateLimiter,
    /// Take the client address from `X-Forwarded-For` (set only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sign_in_per_client: RateLimiter::new(20, Duration::from_secs(300)),
            sign_in_per_account_and_client: RateLimiter::new(10, Duration::from_secs(900)),
            sign_in_per_account: RateLimiter::new(100, Duration::from_secs(900)),
            password_change_per_account: RateLimiter::new(10, Duration::from_secs(900)),
            links_per_client: RateLimiter::new(20, Duration::from_secs(900)),
            reset_per_client: RateLimiter::new(10, Duration::from_secs(900)),
            reset_per_account: RateLimiter::new(3, Duration::from_secs(3600)),
            bad_tokens_per_client: RateLimiter::new(20, Duration::from_secs(300)),
            trust_forwarded_for: false,
        }
    }
}

impl Limits {
    /// Count a sign-in attempt for `account` from `client` against all three limits.
    ///
    /// # Errors
    /// Over a limit: 429 with the wait.
    pub fn sign_in(&self, account: &str, client: &str) -> Result<(), crate::error::AppError> {
        use crate::error::AppError;
        self.sign_in_per_client
            .hit(client)
            .map_err(AppError::RateLimited)?;
        self.sign_in_per_account_and_client
            .hit(&format!("{account}\n{client}"))
            .map_err(AppError::RateLimited)?;
        self.sign_in_per_account
            .hit(account)
            .map_err(AppError::RateLimited)
    }

    /// The client's address: the peer, or behind a trusted proxy the address the proxy
    /// appended last to `X-Forwarded-For` (earlier entries can be forged by the client).
    pub fn client(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
        if self.trust_forwarded_for
            && let Some(ip) = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return ip.to_string();
        }
        peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string())
    }

    /// The peer address from the connection, when the server provides it.
    pub fn peer(parts: &Parts) -> Option<SocketAddr> {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_the_limit_waits_until_the_window_ends() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.hit("a").is_ok());
        assert!(l.hit("a").is_ok());
        let wait = l.hit("a").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(l.hit("b").is_ok(), "keys are counted apart");
    }

    #[test]
    fn a_stranger_guessing_from_one_address_does_not_lock_the_owner_out() {
        let limits = Limits::default();
        let mut refused = 0;
        for _ in 0..30 {
            refused += u32::from(limits.sign_in("ana@example.org", "6.6.6.6").is_err());
        }
        assert!(refused >= 20, "the stranger is stopped");
        assert!(
            limits.sign_in("ana@example.org", "10.0.0.2").is_ok(),
            "the owner, elsewhere, is not"
        );
    }

    #[test]
    fn guessing_spread_over_many_addresses_meets_the_account_ceiling() {
        let limits = Limits::default();
        for i in 0..100 {
            assert!(
                limits
                    .sign_in("ana@example.org", &format!("10.0.{i}.1"))
                    .is_ok()
            );
        }
        assert!(limits.sign_in("ana@example.org", "10.9.9.9").is_err());
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted_and_only_its_last_hop() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        let peer: SocketAddr = "10.0.0.2:4000".parse().unwrap();
        let mut limits = Limits::default();
        assert_eq!(limits.client(&headers, Some(peer)), "10.0.0.2");
        limits.trust_forwarded_for = true;
        assert_eq!(limits.client(&headers, Some(peer)), "203.0.113.7");
        assert_eq!(limits.client(&HeaderMap::new(), Some(peer)), "10.0.0.2");
    }
}
