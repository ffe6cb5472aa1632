//! The audit hash chain: each event's link covers its content and the previous link.
//! Pure functions, no I/O.
//!
//! Two schemes, chosen per center by the head's `keyed_from` (the cut-over of migration 000034):
//! events before it were linked with a plain SHA-256 ([`hash`], scheme 1); events from it on with
//! an HMAC-SHA256 under the chain key ([`keyed_hash`], scheme 2), which someone with only
//! database access cannot compute.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// `prev_hash` of a center's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields an event's hash covers.
pub struct Link<'a> {
    pub center_id: Uuid,
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
    pub prev_hash: &'a str,
}

fn json(v: Option<&Value>) -> String {
    // serde_json's map is ordered by key, so the text is canonical for a given value.
    v.map(|v| v.to_string()).unwrap_or_else(|| "null".into())
}

/// The fields in order, each length-prefixed, as fed to the hash or the HMAC.
fn feed(l: &Link<'_>, mut update: impl FnMut(&[u8])) {
    for part in [
        l.prev_hash.to_owned(),
        l.center_id.to_string(),
        l.seq.to_string(),
        l.id.to_string(),
        l.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        l.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        l.actor.to_owned(),
        l.action.to_owned(),
        l.entity_type.to_owned(),
        l.entity_id.to_string(),
        json(l.before),
        json(l.after),
    ] {
        update(&(part.len() as u64).to_be_bytes());
        update(part.as_bytes());
    }
}

/// Scheme 1 (events before the cut-over): plain SHA-256, hex.
pub fn hash(l: &Link<'_>) -> String {
    let mut h = Sha256::new();
    feed(l, |b| h.update(b));
    hex::encode(h.finalize())
}

/// Scheme 2: HMAC-SHA256 under the chain key, hex.
pub fn keyed_hash(key: &[u8], l: &Link<'_>) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    feed(l, |b| m.update(b));
    hex::encode(m.finalize().into_bytes())
}

/// Where a chain stops being valid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BrokenLink {
    /// Sequence number where the chain breaks (the expected one when events are missing).
    pub seq: i64,
    /// The event at that point, when there is one.
    pub event_id: Option<Uuid>,
    /// `content_altered`, `link_broken`, `event_missing`, `head_mismatch`,
    /// `checkpoint_mismatch` (the chain's link at a checkpoint's `seq` differs from the signed one,
    /// or the cut-over moved), `checkpoint_beyond_head` (a checkpoint names events the chain no
    /// longer has: the tail was deleted and the head rewound) or `checkpoint_forged` (a stored
    /// checkpoint whose signature does not verify).
    pub reason: String,
}

/// One stored event as the verifier sees it.
pub struct Stored<'a> {
    pub seq: i64,
    pub id: Uuid,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    pub computed: String,
}

/// Walks events in order from the running `(seq, hash)`; returns the new running state.
pub fn check<'a>(
    mut at: (i64, String),
    events: impl IntoIterator<Item = Stored<'a>>,
) -> Result<(i64, String), BrokenLink> {
    for e in events {
        let broken = |reason: &str| BrokenLink {
            seq: e.seq,
            event_id: Some(e.id),
            reason: reason.into(),
        };
        if e.seq != at.0 + 1 {
            return Err(BrokenLink {
                seq: at.0 + 1,
                event_id: None,
                reason: "event_missing".into(),
            });
        }
        if e.prev_hash != at.1 {
            return Err(broken("link_broken"));
        }
        if e.computed != e.hash {
            return Err(broken("content_altered"));
        }
        at = (e.seq, e.hash.to_owned());
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn link<'a>(after: &'a Value, prev: &'a str) -> Link<'a> {
        Link {
            center_id: Uuid::nil(),
            seq: 1,
            id: Uuid::nil(),
            occurred_at: DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap(),
            actor_id: None,
            actor: "staff:x",
            action: "created",
            entity_type: "department",
            entity_id: Uuid::nil(),
            before: None,
            after: Some(after),
            prev_hash: prev,
        }
    }

    #[test]
    fn hash_depends_on_content_and_previous_link() {
        let a = json!({"name": "医保中心", "rotation_order": 2});
        let b = json!({"name": "医保中心", "rotation_order": 3});
        let h1 = hash(&link(&a, GENESIS));
        assert_eq!(h1, hash(&link(&a, GENESIS)), "deterministic");
        assert_ne!(h1, hash(&link(&b, GENESIS)), "content changes the hash");
        assert_ne!(h1, hash(&link(&a, &h1)), "previous hash changes the hash");
        assert_eq!(h1.len(), 64);
        let k1 = keyed_hash(b"key-one-key-one-key-one-key-one!", &link(&a, GENESIS));
        let k2 = keyed_hash(b"key-two-key-two-key-two-key-two!", &link(&a, GENESIS));
        assert_ne!(k1, h1, "keyed differs from plain");
        assert_ne!(k1, k2, "the key changes the link");
        assert_eq!(k1.len(), 64);
    }

    #[test]
    fn key_order_does_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":2,"b":1}"#).unwrap();
        assert_eq!(hash(&link(&a, GENESIS)), hash(&link(&b, GENESIS)));
    }

    #[test]
    fn check_finds_the_first_broken_link() {
        let a = json!({"x": 1});
        let l1 = link(&a, GENESIS);
        let h1 = hash(&l1);
        let ok = |seq, prev: &'static str, h: &str| Stored {
            seq,
            id: Uuid::nil(),
            prev_hash: prev,
            hash: Box::leak(h.to_owned().into_boxed_str()),
            computed: h.to_owned(),
        };
        let good = check((0, GENESIS.into()), [ok(1, GENESIS, &h1)]).unwrap();
        assert_eq!(good, (1, h1.clone()));
        let gap = check((0, GENESIS.into()), [ok(2, GENESIS, &h1)]).unwrap_err();
        assert_eq!((gap.seq, gap.reason.as_str()), (1, "event_missing"));
        let mut altered = ok(1, GENESIS, &h1);
        altered.computed = "different".into();
        let e = check((0, GENESIS.into()), [altered]).unwrap_err();
        assert_eq!(e.reason, "content_altered");
        let e = check((0, GENESIS.into()), [ok(1, "nope", &h1)]).unwrap_err();
        assert_eq!(e.reason, "link_broken");
    }
}
