//! Signed checkpoints: (center, last `seq`, head link, cut-over, time) signed with Ed25519, taken
//! by the tick ([`take_all`]), stored in `audit_checkpoints`, logged, and served to auditors. A
//! checkpoint kept outside the database proves what the chain held at that time: deleting or
//! rewriting events up to it is detected by verification ([`super::verify`]).

use super::keys::{self, AuditKeys};
use super::store;
use super::verify;
use crate::db::schema::{audit_checkpoints, audit_heads};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The first line of every signed checkpoint message.
pub const MESSAGE_HEADER: &str = "dutydesk audit checkpoint v1";
/// The signed message, fields in braces (see [`SignedCheckpoint::message`]).
pub const MESSAGE_TEMPLATE: &str = "dutydesk audit checkpoint v1\ncenter_id={center_id}\nseq={seq}\nhead_hash={head_hash}\nkeyed_from={keyed_from}\ntaken_at={taken_at}\n";

/// A signed checkpoint, as served and as an auditor posts it back for verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedCheckpoint {
    pub center_id: Uuid,
    /// The center's last event when the checkpoint was taken.
    pub seq: i64,
    /// That event's link (`hash`), hex.
    pub head_hash: String,
    /// The center's cut-over: events from this `seq` on are linked with HMAC-SHA256 under the
    /// chain key, those before with plain SHA-256.
    pub keyed_from: i64,
    pub taken_at: DateTime<Utc>,
    /// Ed25519 signature (base64) of [`SignedCheckpoint::message`] under the service's signing key
    /// (`GET /api/v1/audit/checkpoints/key`).
    pub signature: String,
}

impl SignedCheckpoint {
    /// The exact bytes signed: six lines, each ending in `\n`:
    /// `dutydesk audit checkpoint v1`, `center_id=<uuid>`, `seq=<n>`, `head_hash=<hex>`,
    /// `keyed_from=<n>`, `taken_at=<RFC 3339 UTC with microseconds, e.g. 2026-11-30T01:02:03.000000Z>`.
    pub fn message(&self) -> String {
        format!(
            "{MESSAGE_HEADER}\ncenter_id={}\nseq={}\nhead_hash={}\nkeyed_from={}\ntaken_at={}\n",
            self.center_id,
            self.seq,
            self.head_hash,
            self.keyed_from,
            self.taken_at.to_rfc3339_opts(SecondsFormat::Micros, true)
        )
    }

    /// True when the signature verifies under `key`.
    pub fn verifies(&self, key: &VerifyingKey) -> bool {
        keys::verify_signature(key, self.message().as_bytes(), &self.signature)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_checkpoints)]
pub struct CheckpointRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub seq: i64,
    pub head_hash: String,
    pub keyed_from: i64,
    pub taken_at: DateTime<Utc>,
    pub signature: String,
}

impl CheckpointRow {
    pub fn signed(&self) -> SignedCheckpoint {
        SignedCheckpoint {
            center_id: self.center_id,
            seq: self.seq,
            head_hash: self.head_hash.clone(),
            keyed_from: self.keyed_from,
            taken_at: self.taken_at,
            signature: self.signature.clone(),
        }
    }
}

/// A center's checkpoints, newest first, `limit + 1` of them below `before_seq`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CheckpointRow>> {
    let mut q = audit_checkpoints::table
        .filter(audit_checkpoints::center_id.eq(center_id))
        .order(audit_checkpoints::seq.desc())
        .limit(limit + 1)
        .select(CheckpointRow::as_select())
        .into_boxed();
    if let Some(s) = before_seq {
        q = q.filter(audit_checkpoints::seq.lt(s));
    }
    q.load(conn).await
}

/// All of a center's checkpoints in chain order (verification walks them with the chain).
pub async fn all(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<Vec<CheckpointRow>> {
    audit_checkpoints::table
        .filter(audit_checkpoints::center_id.eq(center_id))
        .order(audit_checkpoints::seq.asc())
        .select(CheckpointRow::as_select())
        .load(conn)
        .await
}

/// The tick's step: for every center whose head moved since its last checkpoint, checks the
/// chain from that checkpoint to the head (keyed links, no gap, the same cut-over) and, when it
/// holds, signs, stores and logs a checkpoint of the head. A center whose chain does not hold
/// gets no checkpoint and an error in the log (a checkpoint must never vouch for a tampered
/// chain). Returns how many checkpoints were taken.
pub async fn take_all(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let keys = keys::installed().map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
    let moved: Vec<(Uuid, store::Head)> = audit_heads::table
        .filter(audit_heads::seq.gt(0))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            audit_checkpoints::table
                .filter(audit_checkpoints::center_id.eq(audit_heads::center_id))
                .filter(audit_checkpoints::seq.eq(audit_heads::seq)),
        )))
        .order(audit_heads::center_id)
        .select((
            audit_heads::center_id,
            (audit_heads::seq, audit_heads::hash, audit_heads::keyed_from),
        ))
        .load(conn)
        .await?;
    if moved.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = moved.iter().map(|(c, _)| *c).collect();
    let last: HashMap<Uuid, CheckpointRow> = audit_checkpoints::table
        .filter(audit_checkpoints::center_id.eq_any(&ids))
        .distinct_on(audit_checkpoints::center_id)
        .order((audit_checkpoints::center_id, audit_checkpoints::seq.desc()))
        .select(CheckpointRow::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(|r| (r.center_id, r))
        .collect();
    // Stored with microsecond precision; sign what is stored.
    let taken_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut taken = 0;
    for (center_id, head) in moved {
        if let Err(why) = extends_last(conn, keys, center_id, &head, last.get(&center_id)).await? {
            tracing::error!(
                center_id = %center_id,
                head_seq = head.seq,
                reason = %why,
                "audit chain does not hold: no checkpoint taken"
            );
            continue;
        }
        let mut cp = SignedCheckpoint {
            center_id,
            seq: head.seq,
            head_hash: head.hash,
            keyed_from: head.keyed_from,
            taken_at,
            signature: String::new(),
        };
        cp.signature = keys.sign(cp.message().as_bytes());
        diesel::insert_into(audit_checkpoints::table)
            .values((
                audit_checkpoints::id.eq(Uuid::now_v7()),
                audit_checkpoints::center_id.eq(cp.center_id),
                audit_checkpoints::seq.eq(cp.seq),
                audit_checkpoints::head_hash.eq(&cp.head_hash),
                audit_checkpoints::keyed_from.eq(cp.keyed_from),
                audit_checkpoints::taken_at.eq(cp.taken_at),
                audit_checkpoints::signature.eq(&cp.signature),
            ))
            .execute(conn)
            .await?;
        // The whole signed checkpoint as base64 of its JSON (what `POST /audit-events/verify`
        // takes): an auditor can keep the log line, and hex hashes never sit in the log where
        // they could look like phone numbers to the log checks.
        let encoded = serde_json::to_vec(&cp)
            .map(|j| base64::engine::general_purpose::STANDARD.encode(j))
            .unwrap_or_default();
        tracing::info!(
            center_id = %cp.center_id,
            seq = cp.seq,
            checkpoint = %encoded,
            "audit checkpoint"
        );
        taken += 1;
    }
    Ok(taken)
}

/// Whether the chain from the center's last checkpoint (or its start) leads to `head`; the
/// inner error says why not.
async fn extends_last(
    conn: &mut AsyncPgConnection,
    keys: &AuditKeys,
    center_id: Uuid,
    head: &store::Head,
    last: Option<&CheckpointRow>,
) -> QueryResult<Result<(), String>> {
    let from = match last {
        Some(l) if !l.signed().verifies(&keys.public_key()) => {
            return Ok(Err(format!(
                "checkpoint at seq {} has a bad signature",
                l.seq
            )));
        }
        Some(l) if l.seq > head.seq => {
            return Ok(Err(format!(
                "head at seq {} is behind checkpoint at seq {}",
                head.seq, l.seq
            )));
        }
        Some(l) if l.keyed_from != head.keyed_from => {
            return Ok(Err("the cut-over to keyed links moved".into()));
        }
        Some(l) => (l.seq, l.head_hash.clone()),
        None => (0, super::chain::GENESIS.to_owned()),
    };
    let walked = verify::walk(
        conn,
        center_id,
        from,
        head.seq,
        head.keyed_from,
        keys.chain_key(),
        |_, _| None,
    )
    .await?;
    Ok(match walked {
        Err(b) => Err(format!("{} at seq {}", b.reason, b.seq)),
        Ok(at) if at != (head.seq, head.hash.clone()) => Err(format!(
            "chain ends at seq {}, head says {}",
            at.0, head.seq
        )),
        Ok(_) => Ok(()),
    })
}
