//! Secret tokens (API tokens, and later invitations and password resets): shown once,
//! stored only as a SHA-256 hash.

use sha2::{Digest, Sha256};

/// Prefix that makes an Attaché API token recognisable (for example to secret scanners).
pub const API_TOKEN_PREFIX: &str = "att_";

/// A new API token: the prefix and 256 random bits.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", super::random_hex(32))
}

/// The hash stored in place of a token. Tokens carry 256 random bits, so a fast hash is
/// enough: there is nothing to brute-force.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed_deterministically() {
        let t = new_api_token();
        assert!(t.starts_with("att_") && t.len() == 4 + 64);
        assert_ne!(t, new_api_token());
        assert_eq!(hash_token(&t), hash_token(&t));
        assert_ne!(hash_token(&t), t);
        assert_eq!(hash_token(&t).len(), 64);
    }
}
