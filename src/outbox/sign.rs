//! Webhook signatures: HMAC-SHA256 with the portal's secret over `"{timestamp}.{body}"`, sent as
//! `X-Dutydesk-Signature: v1=<lowercase hex>` beside `X-Dutydesk-Timestamp: <unix seconds>`.
//! Signing the timestamp with the body lets the portal refuse old replays.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature scheme's version, the prefix of the header value.
pub const VERSION: &str = "v1";

/// The `X-Dutydesk-Signature` value for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("{VERSION}={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature header the way a portal should (constant-time comparison); for tests and
/// as the reference of docs/webhooks.md.
pub fn verify(secret: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("v1=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Checked against Python's hmac module, as docs/webhooks.md verifies it:
        // hmac.new(b"Jefe", b"1.what do ya want for nothing?", "sha256").hexdigest()
        assert_eq!(
            signature("Jefe", 1, b"what do ya want for nothing?"),
            "v1=a9049465ce89cfb8e9aac62333abda66f80e3403f51f57f6bae3c3a4485eca38"
        );
        let body = br#"{"id":"x"}"#;
        let sig = signature("0123456789abcdef0123456789abcdef", 1_700_000_000, body);
        assert!(verify(
            "0123456789abcdef0123456789abcdef",
            1_700_000_000,
            body,
            &sig
        ));
        // Another secret, timestamp or body, or a malformed header, does not verify.
        assert!(!verify(
            "another secret, 32 characters ok",
            1_700_000_000,
            body,
            &sig
        ));
        assert!(!verify(
            "0123456789abcdef0123456789abcdef",
            1_700_000_001,
            body,
            &sig
        ));
        assert!(!verify(
            "0123456789abcdef0123456789abcdef",
            1_700_000_000,
            b"{}",
            &sig
        ));
        assert!(!verify(
            "0123456789abcdef0123456789abcdef",
            1_700_000_000,
            body,
            &sig[3..]
        ));
        assert!(!verify(
            "0123456789abcdef0123456789abcdef",
            1_700_000_000,
            body,
            "v1=zz"
        ));
    }
}
