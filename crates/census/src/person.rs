//! Keyed hashing of national identifiers: the same person links across returns and
//! years, but nobody holding the database can read a National Insurance number back.

use hmac::{Hmac, KeyInit, Mac};
use observatory_domain::PersonKey;
use sha2::Sha256;

/// HMAC-SHA-256 with the installation's secret key, truncated to 128 bits (collisions
/// stay negligible at any national scale while halving storage).
#[derive(Clone)]
pub struct PersonHasher {
    key: Vec<u8>,
}

impl PersonHasher {
    pub fn new(key: &[u8]) -> Self {
        PersonHasher { key: key.to_vec() }
    }

    /// Normalised form of a National Insurance number (upper case, no spaces), if it has
    /// the right shape: two letters, six digits, one letter A-D.
    pub fn normalise(id: &str) -> Option<String> {
        let n: String = id
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = n.as_bytes();
        let ok = b.len() == 9
            && b[..2].iter().all(u8::is_ascii_alphabetic)
            && b[2..8].iter().all(u8::is_ascii_digit)
            && (b'A'..=b'D').contains(&b[8]);
        ok.then_some(n)
    }

    pub fn key_of(&self, normalised_id: &str) -> PersonKey {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC accepts keys of any length");
        mac.update(normalised_id.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_same_key_and_key_depends_on_secret() {
        let a = PersonHasher::new(b"secret-one");
        let b = PersonHasher::new(b"secret-two");
        let id = PersonHasher::normalise("ab 12 34 56 c").unwrap();
        assert_eq!(id, "AB123456C");
        assert_eq!(a.key_of(&id), a.key_of("AB123456C"));
        assert_ne!(a.key_of(&id), b.key_of(&id));
        assert_ne!(a.key_of(&id), a.key_of("AB123456D"));
    }

    #[test]
    fn shape_is_checked() {
        assert!(PersonHasher::normalise("AB123456E").is_none());
        assert!(PersonHasher::normalise("A1123456C").is_none());
        assert!(PersonHasher::normalise("AB12345C").is_none());
    }
}
