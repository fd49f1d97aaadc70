//! MESH authentication: every request carries `Authorization: NHSMESH <mailbox>:<nonce>:<nonce_count>:<timestamp>:<hmac>`,
//! where `hmac` is the lower-case hex HMAC-SHA256, keyed with the environment's shared key, of
//! `<mailbox>:<nonce>:<nonce_count>:<mailbox password>:<timestamp>` (MESH API "Authentication"; the timestamp is
//! UTC `yyyyMMddHHmm`). The nonce is one UUID per client and the count rises with every request.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

/// A mailbox's credentials and the environment's shared key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub mailbox: String,
    pub password: String,
    pub shared_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("mailbox", &self.mailbox)
            .field("password", &"(redacted)")
            .field("shared_key", &"(redacted)")
            .finish()
    }
}

/// HMAC-SHA256 of `message` under `key`, lower-case hex.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> Result<String, openssl::error::ErrorStack> {
    let pkey = PKey::hmac(key)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey)?;
    signer.update(message)?;
    let mac = signer.sign_to_vec()?;
    Ok(mac.iter().map(|b| format!("{b:02x}")).collect())
}

/// The `Authorization` value for one request.
pub fn authorization(
    credentials: &Credentials,
    nonce: &str,
    nonce_count: u64,
    at: DateTime<Utc>,
) -> Result<String, openssl::error::ErrorStack> {
    let timestamp = at.format("%Y%m%d%H%M").to_string();
    let Credentials {
        mailbox,
        password,
        shared_key,
    } = credentials;
    let mac = hmac_sha256_hex(
        shared_key.as_bytes(),
        format!("{mailbox}:{nonce}:{nonce_count}:{password}:{timestamp}").as_bytes(),
    )?;
    Ok(format!(
        "NHSMESH {mailbox}:{nonce}:{nonce_count}:{timestamp}:{mac}"
    ))
}

/// Makes the tokens of one client: one nonce, a count that rises with each request.
#[derive(Debug)]
pub struct TokenSource {
    credentials: Credentials,
    nonce: String,
    count: AtomicU64,
}

impl TokenSource {
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            nonce: uuid::Uuid::new_v4().to_string(),
            count: AtomicU64::new(0),
        }
    }

    pub fn mailbox(&self) -> &str {
        &self.credentials.mailbox
    }

    /// The next request's `Authorization` value.
    pub fn next(&self, at: DateTime<Utc>) -> Result<String, openssl::error::ErrorStack> {
        let count = self.count.fetch_add(1, Ordering::Relaxed);
        authorization(&self.credentials, &self.nonce, count, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?").unwrap(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_token_carries_the_mailbox_nonce_count_timestamp_and_mac() {
        let creds = Credentials {
            mailbox: "X26ABC1".into(),
            password: "password".into(),
            shared_key: "TestKey".into(),
        };
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:05:59Z")
            .unwrap()
            .with_timezone(&Utc);
        let token = authorization(&creds, "n0nce", 3, at).unwrap();
        let mac = hmac_sha256_hex(b"TestKey", b"X26ABC1:n0nce:3:password:202612010905").unwrap();
        assert_eq!(token, format!("NHSMESH X26ABC1:n0nce:3:202612010905:{mac}"));
        let source = TokenSource::new(creds);
        let (a, b) = (source.next(at).unwrap(), source.next(at).unwrap());
        assert_ne!(a, b);
        assert_eq!(a.split(':').nth(2), Some("0"));
        assert_eq!(b.split(':').nth(2), Some("1"));
        assert!(!format!("{source:?}").contains("password\""));
    }
}
