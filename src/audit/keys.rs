//! The trail's two keys, from configuration and never in the database:
//! - the chain key (`DUTYDESK_AUDIT_KEY`): each event's link is an HMAC-SHA256 under it, so
//!   someone with only database access cannot compute links for altered or invented events;
//! - the signing key (`DUTYDESK_AUDIT_SIGNING_KEY`, an Ed25519 seed): it signs the checkpoints,
//!   which anyone holding the public key can verify outside the service.
//!
//! Every process that writes the trail (`serve`, `tick`, `create-admin`, `seed-demo`) installs
//! them once at start ([`install`]); [`crate::audit::record`] is called with only a connection,
//! so the keys are process-wide, like the tracing subscriber.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use std::sync::OnceLock;

/// Development mode only (`make run`, the demo data): public, never secret.
pub const DEV_CHAIN_KEY: &str = "ZGV2LW9ubHktYXVkaXQtY2hhaW4ta2V5LXB1YmxpYyE=";
/// Development mode only: the public Ed25519 seed of the development signing key.
pub const DEV_SIGNING_KEY: &str = "ZGV2LW9ubHktYXVkaXQtc2lnbmluZy1zZWVkLXB1YiE=";

/// Shortest accepted chain key, in bytes.
pub const MIN_CHAIN_KEY_BYTES: usize = 32;

/// The chain key and the checkpoint signing key. `Debug` shows only the public key.
#[derive(Clone)]
pub struct AuditKeys {
    chain: Vec<u8>,
    signing: SigningKey,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys")
            .field("chain", &"<hidden>")
            .field("public_key", &self.public_key_base64())
            .finish()
    }
}

impl PartialEq for AuditKeys {
    fn eq(&self, other: &Self) -> bool {
        self.chain == other.chain && self.signing.to_bytes() == other.signing.to_bytes()
    }
}

impl AuditKeys {
    /// `chain`: base64 of at least 32 random bytes; `signing`: base64 of a 32-byte Ed25519 seed.
    /// The error is one line and never contains a key.
    pub fn new(chain: &str, signing: &str) -> Result<AuditKeys, String> {
        let chain = B64
            .decode(chain.trim())
            .map_err(|_| "DUTYDESK_AUDIT_KEY is not base64".to_owned())?;
        if chain.len() < MIN_CHAIN_KEY_BYTES {
            return Err(format!(
                "DUTYDESK_AUDIT_KEY is too short ({} bytes): use at least {MIN_CHAIN_KEY_BYTES} random bytes",
                chain.len()
            ));
        }
        let seed: [u8; 32] = B64
            .decode(signing.trim())
            .map_err(|_| "DUTYDESK_AUDIT_SIGNING_KEY is not base64".to_owned())?
            .try_into()
            .map_err(|_| {
                "DUTYDESK_AUDIT_SIGNING_KEY must be base64 of exactly 32 random bytes (an Ed25519 seed)"
                    .to_owned()
            })?;
        Ok(AuditKeys {
            chain,
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The public development keys ([`DEV_CHAIN_KEY`], [`DEV_SIGNING_KEY`]).
    pub fn dev() -> AuditKeys {
        AuditKeys::new(DEV_CHAIN_KEY, DEV_SIGNING_KEY).expect("the development keys are valid")
    }

    /// From the settings: both unset in dev mode gives the development keys; otherwise both are
    /// required.
    pub fn from_settings(chain: &str, signing: &str, dev: bool) -> Result<AuditKeys, String> {
        match (chain.trim().is_empty(), signing.trim().is_empty()) {
            (true, true) if dev => {
                tracing::warn!("dev mode: the audit trail uses the public development keys");
                Ok(AuditKeys::dev())
            }
            (true, _) => Err("DUTYDESK_AUDIT_KEY is not set: set base64 of at least 32 random bytes (or DUTYDESK_DEV=true for development)".into()),
            (_, true) => Err("DUTYDESK_AUDIT_SIGNING_KEY is not set: set base64 of 32 random bytes (or DUTYDESK_DEV=true for development)".into()),
            _ => AuditKeys::new(chain, signing),
        }
    }

    pub(crate) fn chain_key(&self) -> &[u8] {
        &self.chain
    }

    /// Signs `message`; the signature in base64.
    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.signing.sign(message).to_bytes())
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The Ed25519 public key, base64 of its 32 bytes.
    pub fn public_key_base64(&self) -> String {
        B64.encode(self.public_key().to_bytes())
    }
}

/// True when `signature` (base64) is a valid Ed25519 signature of `message` under `key`.
pub fn verify_signature(key: &VerifyingKey, message: &[u8], signature: &str) -> bool {
    let Ok(bytes) = B64.decode(signature.trim()) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify_strict(message, &sig).is_ok()
}

static KEYS: OnceLock<AuditKeys> = OnceLock::new();

/// Installs the process's keys. Installing the same keys again is a no-op; other keys are refused
/// (one process writes one chain).
pub fn install(keys: AuditKeys) -> Result<(), String> {
    let installed = KEYS.get_or_init(|| keys.clone());
    if *installed == keys {
        Ok(())
    } else {
        Err("other audit keys are already installed in this process".into())
    }
}

/// The installed keys, or an error saying none were configured.
pub fn installed() -> Result<&'static AuditKeys, String> {
    KEYS.get()
        .ok_or_else(|| "the audit keys are not configured in this process".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_errors_never_show_them() {
        assert!(AuditKeys::new(DEV_CHAIN_KEY, DEV_SIGNING_KEY).is_ok());
        let short = B64.encode(b"short-key");
        let e = AuditKeys::new(&short, DEV_SIGNING_KEY).unwrap_err();
        assert!(e.contains("too short") && !e.contains(&short), "{e}");
        assert!(AuditKeys::new("not base64!", DEV_SIGNING_KEY).is_err());
        assert!(AuditKeys::new(DEV_CHAIN_KEY, &short).is_err());
        assert!(AuditKeys::from_settings("", "", false).is_err());
        assert!(AuditKeys::from_settings(DEV_CHAIN_KEY, "", false).is_err());
        assert_eq!(
            AuditKeys::from_settings("", "", true).unwrap(),
            AuditKeys::dev()
        );
        let debug = format!("{:?}", AuditKeys::dev());
        assert!(!debug.contains(DEV_CHAIN_KEY), "{debug}");
    }

    #[test]
    fn signatures_verify_with_the_public_key_only() {
        let k = AuditKeys::dev();
        let sig = k.sign(b"checkpoint");
        assert!(verify_signature(&k.public_key(), b"checkpoint", &sig));
        assert!(!verify_signature(&k.public_key(), b"checkpoinT", &sig));
        assert!(!verify_signature(&k.public_key(), b"checkpoint", "AAAA"));
        let other = AuditKeys::new(
            DEV_CHAIN_KEY,
            &B64.encode(b"another-signing-seed-of-32-bytes"),
        )
        .unwrap();
        assert!(!verify_signature(&other.public_key(), b"checkpoint", &sig));
    }
}
