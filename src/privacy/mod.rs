//! Citizens' personal data (R23): encrypted at rest, found by keyed blind indexes, shown masked.
//!
//! - **Sealing**: AES-256-GCM with a random 96-bit nonce. A sealed value is
//!   `[key id length][key id][nonce][ciphertext + tag]`, so every value names the key that sealed
//!   it: keys rotate by adding a new current key in front (`DUTYDESK_PII_KEYS`), and values sealed
//!   under older keys stay readable as long as those keys are listed. The key id and the record's
//!   purpose (e.g. `citizen_contacts.phone`) are bound as associated data, so a ciphertext moved to
//!   another column does not open. Bytes of a record (attachments: photos, ID copies) are sealed
//!   the same way with the record's id bound as well ([`Vault::seal_record`]), so they cannot be
//!   moved to another row either. [`Vault::is_current`] tells a value still under an older key.
//! - **Blind index**: HMAC-SHA256 under a separate key (`DUTYDESK_PII_INDEX_KEY`) of a normalised
//!   value, so a request can be found by exact phone number without the number being stored in
//!   clear or hashed with a key the database holds.
//! - **Masking**: what everyone but the request's owner, its call-back person and office admins
//!   sees (`138****1234`, `张*`).

pub mod mask;
pub mod reseal;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

pub use mask::{mask_name, mask_phone, normalize_phone};

/// The keys of this deployment: the current sealing key first, older ones after, and the blind
/// index key.
pub struct Vault {
    keys: Vec<(String, Aes256Gcm)>,
    index_key: Vec<u8>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Vault").field("key_ids", &ids).finish()
    }
}

/// Fixed keys for development mode only (`make run`, the demo data): never secret.
pub const DEV_KEYS: &str = "dev1:ZGV2LW9ubHktZGV2LW9ubHktZGV2LW9ubHkta2V5MzI=";
pub const DEV_INDEX_KEY: &str = "ZGV2LWluZGV4LWtleS1kZXYtaW5kZXgta2V5LTMyYiE=";

fn decode_key(what: &str, b64: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| format!("{what} is not base64"))
}

impl Vault {
    /// Reads `keys` (`id:base64,id:base64,…`, each 32 bytes, the first is current) and the
    /// blind-index key (base64, at least 32 bytes). Returns one line saying what is wrong.
    pub fn new(keys: &str, index_key: &str) -> Result<Vault, String> {
        let mut out = Vec::new();
        for part in keys.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, b64) = part
                .split_once(':')
                .ok_or("DUTYDESK_PII_KEYS: each key is id:base64")?;
            if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!(
                    "DUTYDESK_PII_KEYS: key id {id:?} must be 1-32 letters or digits"
                ));
            }
            if out.iter().any(|(k, _)| k == id) {
                return Err(format!("DUTYDESK_PII_KEYS: key id {id} appears twice"));
            }
            let bytes = decode_key(&format!("DUTYDESK_PII_KEYS key {id}"), b64)?;
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| {
                format!("DUTYDESK_PII_KEYS: key {id} must be 32 bytes (base64 of 32 random bytes)")
            })?;
            out.push((id.to_owned(), cipher));
        }
        if out.is_empty() {
            return Err("DUTYDESK_PII_KEYS is not set: give id:base64 of 32 random bytes (e.g. k1:$(openssl rand -base64 32))".into());
        }
        let index_key = decode_key("DUTYDESK_PII_INDEX_KEY", index_key)?;
        if index_key.len() < 32 {
            return Err("DUTYDESK_PII_INDEX_KEY must be base64 of at least 32 random bytes".into());
        }
        Ok(Vault {
            keys: out,
            index_key,
        })
    }

    /// The development keys (see [`DEV_KEYS`]).
    pub fn dev() -> Vault {
        Vault::new(DEV_KEYS, DEV_INDEX_KEY).expect("the development keys are valid")
    }

    /// The id of the key new values are sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Seals `clear` for `purpose` (e.g. `citizen_contacts.phone`) under the current key.
    pub fn seal(&self, purpose: &str, clear: &[u8]) -> Vec<u8> {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = aad(id, purpose);
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: clear,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of a bounded value cannot fail");
        let mut out = Vec::with_capacity(1 + id.len() + 12 + sealed.len());
        out.push(id.len() as u8);
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed for `purpose`; `None` when its key is not configured or it was
    /// tampered with (see [`Vault::try_open`] for which).
    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        self.try_open(purpose, sealed).ok()
    }

    /// Opens a value sealed for `purpose`, saying why it does not open.
    pub fn try_open(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let (&len, rest) = sealed.split_first().ok_or(OpenError::Malformed)?;
        let len = usize::from(len);
        if rest.len() < len + 12 + 16 {
            return Err(OpenError::Malformed);
        }
        let id = std::str::from_utf8(&rest[..len]).map_err(|_| OpenError::Malformed)?;
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_owned()))?;
        let nonce: [u8; 12] = rest[len..len + 12]
            .try_into()
            .map_err(|_| OpenError::Malformed)?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &rest[len + 12..],
                    aad: &aad(id, purpose),
                },
            )
            .map_err(|_| OpenError::Tampered)
    }

    /// Seals the bytes of one record (e.g. an attachment's file), binding `purpose` and the
    /// record's id as associated data: the value opens only for that purpose and that record, so
    /// ciphertexts cannot be swapped between rows.
    pub fn seal_record(&self, purpose: &str, record: uuid::Uuid, clear: &[u8]) -> Vec<u8> {
        self.seal(&record_purpose(purpose, record), clear)
    }

    /// Opens bytes sealed with [`Vault::seal_record`] for the same purpose and record.
    pub fn open_record(
        &self,
        purpose: &str,
        record: uuid::Uuid,
        sealed: &[u8],
    ) -> Result<Vec<u8>, OpenError> {
        self.try_open(&record_purpose(purpose, record), sealed)
    }

    /// Whether `sealed` is under the current key; `false` for a value under an older key (to be
    /// sealed again) or one that names no key.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        Vault::key_id_of(sealed) == Some(self.current_key_id())
    }

    /// Seals text.
    pub fn seal_text(&self, purpose: &str, clear: &str) -> Vec<u8> {
        self.seal(purpose, clear.as_bytes())
    }

    /// Opens text sealed with [`Vault::seal_text`].
    pub fn open_text(&self, purpose: &str, sealed: &[u8]) -> Option<String> {
        String::from_utf8(self.open(purpose, sealed)?).ok()
    }

    /// The key id a sealed value names (to find values still under an old key).
    pub fn key_id_of(sealed: &[u8]) -> Option<&str> {
        let (&len, rest) = sealed.split_first()?;
        std::str::from_utf8(rest.get(..usize::from(len))?).ok()
    }

    /// Keyed blind index of `value` for `purpose` (e.g. `phone`): equal inputs give equal
    /// outputs; without the key, nothing about the value can be learned or guessed offline.
    pub fn blind_index(&self, purpose: &str, value: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// Why a sealed value does not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// Too short or without a readable key id: not a sealed value.
    Malformed,
    /// Sealed under a key this deployment no longer lists (`DUTYDESK_PII_KEYS`).
    UnknownKey(String),
    /// The key is listed but the value does not authenticate: altered, or sealed for another
    /// purpose or record.
    Tampered,
}

fn record_purpose(purpose: &str, record: uuid::Uuid) -> String {
    format!("{purpose}#{record}")
}

fn aad(key_id: &str, purpose: &str) -> Vec<u8> {
    format!("dutydesk-pii:v1:{key_id}:{purpose}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    const IDX: &str = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";

    #[test]
    fn sealed_values_open_and_name_their_key() {
        let v = Vault::new(K1, IDX).unwrap();
        let s = v.seal_text("citizen_contacts.phone", "13812341234");
        assert!(!s.windows(11).any(|w| w == b"13812341234"));
        assert_eq!(Vault::key_id_of(&s), Some("k1"));
        assert_eq!(
            v.open_text("citizen_contacts.phone", &s).as_deref(),
            Some("13812341234")
        );
        // Two seals of one value differ (random nonce).
        assert_ne!(s, v.seal_text("citizen_contacts.phone", "13812341234"));
    }

    #[test]
    fn a_value_does_not_open_for_another_purpose_or_when_tampered_with() {
        let v = Vault::new(K1, IDX).unwrap();
        let mut s = v.seal_text("citizen_contacts.phone", "13812341234");
        assert_eq!(v.open_text("citizen_contacts.name", &s), None);
        let last = s.len() - 1;
        s[last] ^= 1;
        assert_eq!(v.open_text("citizen_contacts.phone", &s), None);
        assert_eq!(v.open("x", &[]), None);
        assert_eq!(v.open("x", &[200, 1, 2]), None);
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_seals_with_the_new_key() {
        let old = Vault::new(K1, IDX).unwrap();
        let s = old.seal_text("p", "王小明");
        let rotated = Vault::new(&format!("{K2},{K1}"), IDX).unwrap();
        assert_eq!(rotated.current_key_id(), "k2");
        assert_eq!(rotated.open_text("p", &s).as_deref(), Some("王小明"));
        assert_eq!(Vault::key_id_of(&rotated.seal_text("p", "x")), Some("k2"));
        // A key that is no longer listed no longer opens.
        let only_new = Vault::new(K2, IDX).unwrap();
        assert_eq!(only_new.open_text("p", &s), None);
    }

    #[test]
    fn record_bytes_open_only_for_their_record_and_say_why_not() {
        let v = Vault::new(K1, IDX).unwrap();
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let clear = b"%PDF-1.7 ID-COPY-MARKER".to_vec();
        let s = v.seal_record("attachments.data", a, &clear);
        assert!(!s.windows(14).any(|w| w == b"ID-COPY-MARKER"));
        assert_eq!(v.open_record("attachments.data", a, &s), Ok(clear));
        // Bound to its row and purpose: moved to another row it does not open.
        assert_eq!(
            v.open_record("attachments.data", b, &s),
            Err(OpenError::Tampered)
        );
        assert_eq!(v.open("attachments.data", &s), None);
        let mut bad = s.clone();
        bad[20] ^= 1;
        assert_eq!(
            v.open_record("attachments.data", a, &bad),
            Err(OpenError::Tampered)
        );
        assert_eq!(
            v.open_record("attachments.data", a, &[1, b'k']),
            Err(OpenError::Malformed)
        );
        let other = Vault::new(K2, IDX).unwrap();
        assert_eq!(
            other.open_record("attachments.data", a, &s),
            Err(OpenError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn is_current_tells_values_to_seal_again_after_a_rotation() {
        let old = Vault::new(K1, IDX).unwrap();
        let s = old.seal_text("p", "x");
        assert!(old.is_current(&s));
        let rotated = Vault::new(&format!("{K2},{K1}"), IDX).unwrap();
        assert!(!rotated.is_current(&s));
        assert!(rotated.is_current(&rotated.seal_text("p", "x")));
        assert!(!rotated.is_current(&[]));
    }

    /// The largest attachment (5 MiB, the default limit) sealed and opened: prints the time, to
    /// decide whether it may run on the async threads (it does not: see `attachments::sealed`).
    #[test]
    fn sealing_the_largest_attachment_is_timed() {
        let v = Vault::new(K1, IDX).unwrap();
        let id = uuid::Uuid::now_v7();
        let clear = vec![0x5Au8; 5 * 1024 * 1024];
        let start = std::time::Instant::now();
        let s = v.seal_record("attachments.data", id, &clear);
        let sealed = start.elapsed();
        let opened = v.open_record("attachments.data", id, &s).unwrap();
        let total = start.elapsed();
        assert_eq!(opened.len(), clear.len());
        println!(
            "5 MiB: seal {:.2} ms, seal+open {:.2} ms",
            sealed.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3
        );
    }

    #[test]
    fn blind_index_is_keyed_and_stable() {
        let a = Vault::new(K1, IDX).unwrap();
        let b = Vault::new(K2, IDX).unwrap();
        assert_eq!(
            a.blind_index("phone", "13812341234"),
            b.blind_index("phone", "13812341234")
        );
        assert_ne!(
            a.blind_index("phone", "13812341234"),
            a.blind_index("phone", "13812341235")
        );
        let other = Vault::new(K1, "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=").unwrap();
        assert_ne!(a.blind_index("phone", "1"), other.blind_index("phone", "1"));
    }

    #[test]
    fn bad_configuration_is_refused_with_a_reason() {
        assert!(Vault::new("", IDX).unwrap_err().contains("not set"));
        assert!(Vault::new("k1:AAAA", IDX).unwrap_err().contains("32 bytes"));
        assert!(
            Vault::new("nocolon", IDX)
                .unwrap_err()
                .contains("id:base64")
        );
        assert!(
            Vault::new(&format!("{K1},{K1}"), IDX)
                .unwrap_err()
                .contains("twice")
        );
        assert!(Vault::new(K1, "AAAA").unwrap_err().contains("at least 32"));
        let _ = Vault::dev();
    }
}
