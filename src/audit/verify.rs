//! Verification of a center's trail: the keyed chain from the first event to the head, and every
//! checkpoint (stored, and any an auditor kept outside the database) against it.

use super::chain::{self, BrokenLink, GENESIS, Stored};
use super::checkpoint::{self, SignedCheckpoint};
use super::keys::AuditKeys;
use super::store;
use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Events read per query while walking.
const BATCH: i64 = 2000;

/// Walks the center's events after `from` (a `(seq, link)`) up to `up_to`, checking each link
/// (keyed from `keyed_from` on). `at_row` sees every verified `(seq, link)` in order and may stop
/// the walk with a broken link of its own (a checkpoint that does not match). Returns the last
/// verified `(seq, link)`, or where the chain breaks.
pub async fn walk(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: (i64, String),
    up_to: i64,
    keyed_from: i64,
    key: &[u8],
    mut at_row: impl FnMut(i64, &str) -> Option<BrokenLink>,
) -> QueryResult<Result<(i64, String), BrokenLink>> {
    let mut at = from;
    loop {
        let rows = store::chain_batch(conn, center_id, at.0, up_to, BATCH).await?;
        let n = rows.len() as i64;
        let walked = chain::check(
            at.clone(),
            rows.iter().map(|r| Stored {
                seq: r.seq,
                id: r.id,
                prev_hash: &r.prev_hash,
                hash: &r.hash,
                computed: r.computed_hash(keyed_from, key),
            }),
        );
        let good_until = match &walked {
            Ok((seq, _)) => *seq,
            Err(b) => b.seq - 1,
        };
        for r in rows.iter().take_while(|r| r.seq <= good_until) {
            if let Some(b) = at_row(r.seq, &r.hash) {
                return Ok(Err(b));
            }
        }
        match walked {
            Err(b) => return Ok(Err(b)),
            Ok(next) => at = next,
        }
        if n < BATCH {
            return Ok(Ok(at));
        }
    }
}

/// Which checkpoint a verification failed on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckpointRef {
    /// `stored` (in `audit_checkpoints`) or `submitted` (posted by the caller).
    pub source: String,
    /// The stored checkpoint's id.
    pub id: Option<Uuid>,
    pub seq: i64,
    pub taken_at: DateTime<Utc>,
}

/// Result of verifying the center's trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainVerification {
    /// True when every event is present, unaltered and linked, and every checkpoint matches the
    /// chain.
    pub valid: bool,
    /// Events checked before stopping.
    pub events_checked: i64,
    /// Checkpoints (stored and submitted) found to match before stopping.
    pub checkpoints_checked: i64,
    /// The first broken link, when `valid` is false.
    pub first_broken: Option<BrokenLink>,
    /// The checkpoint that does not match the chain, when that is why `valid` is false.
    pub broken_checkpoint: Option<CheckpointRef>,
}

fn broken(
    events_checked: i64,
    checkpoints_checked: i64,
    link: BrokenLink,
    cp: Option<CheckpointRef>,
) -> ChainVerification {
    ChainVerification {
        valid: false,
        events_checked,
        checkpoints_checked,
        first_broken: Some(link),
        broken_checkpoint: cp,
    }
}

fn link(seq: i64, reason: &str) -> BrokenLink {
    BrokenLink {
        seq,
        event_id: None,
        reason: reason.into(),
    }
}

/// Verifies the center's chain and its checkpoints: the stored ones (whose signatures must
/// verify) and `submitted` ones (already checked by the caller: signature and center).
pub async fn verify(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    keys: &AuditKeys,
    submitted: &[SignedCheckpoint],
) -> QueryResult<ChainVerification> {
    let head = store::head(conn, center_id).await?;
    let public = keys.public_key();
    let mut cps: Vec<(SignedCheckpoint, CheckpointRef)> = Vec::new();
    for row in checkpoint::all(conn, center_id).await? {
        let signed = row.signed();
        let r = CheckpointRef {
            source: "stored".into(),
            id: Some(row.id),
            seq: row.seq,
            taken_at: row.taken_at,
        };
        if !signed.verifies(&public) {
            return Ok(broken(0, 0, link(row.seq, "checkpoint_forged"), Some(r)));
        }
        cps.push((signed, r));
    }
    for s in submitted {
        let r = CheckpointRef {
            source: "submitted".into(),
            id: None,
            seq: s.seq,
            taken_at: s.taken_at,
        };
        cps.push((s.clone(), r));
    }
    cps.sort_by_key(|(s, _)| s.seq);
    // The cut-over is signed: moving it (to re-link keyed events without the key) shows here.
    if let Some((_, r)) = cps.iter().find(|(s, _)| s.keyed_from != head.keyed_from) {
        return Ok(broken(
            0,
            0,
            link(r.seq, "checkpoint_mismatch"),
            Some(r.clone()),
        ));
    }
    let mut next = 0;
    let mut matched = 0i64;
    let mut failed: Option<CheckpointRef> = None;
    while next < cps.len() && cps[next].0.seq <= 0 {
        if cps[next].0.head_hash != GENESIS {
            let r = cps[next].1.clone();
            return Ok(broken(0, 0, link(r.seq, "checkpoint_mismatch"), Some(r)));
        }
        next += 1;
        matched += 1;
    }
    let walked = walk(
        conn,
        center_id,
        (0, GENESIS.to_owned()),
        head.seq,
        head.keyed_from,
        keys.chain_key(),
        |seq, hash| {
            while next < cps.len() && cps[next].0.seq == seq {
                if cps[next].0.head_hash != hash {
                    failed = Some(cps[next].1.clone());
                    return Some(link(seq, "checkpoint_mismatch"));
                }
                next += 1;
                matched += 1;
            }
            None
        },
    )
    .await?;
    let at = match walked {
        Err(b) if failed.is_some() => return Ok(broken(b.seq, matched, b, failed)),
        Err(b) => return Ok(broken(b.seq - 1, matched, b, None)),
        Ok(at) => at,
    };
    // The head records the last event written: missing tail events show here.
    if at != (head.seq, head.hash.clone()) {
        let reason = if at.0 < head.seq {
            "event_missing"
        } else {
            "head_mismatch"
        };
        return Ok(broken(at.0, matched, link(at.0 + 1, reason), None));
    }
    // A checkpoint beyond the head: events it vouched for were deleted and the head rewound.
    if let Some((_, r)) = cps.get(next) {
        return Ok(broken(
            at.0,
            matched,
            link(r.seq, "checkpoint_beyond_head"),
            Some(r.clone()),
        ));
    }
    Ok(ChainVerification {
        valid: true,
        events_checked: at.0,
        checkpoints_checked: matched,
        first_broken: None,
        broken_checkpoint: None,
    })
}
