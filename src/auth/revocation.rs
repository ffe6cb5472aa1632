//! Revocation of access tokens that takes effect at once, without a database round trip per
//! request.
//!
//! Every access token this service issues carries its staff member's *token generation*
//! (`staff.token_generation`, claim `gen`). Bumping the generation refuses every token issued
//! before: deactivation, a role change, a password reset by an admin, a password change by the
//! user and logout bump it, in the transaction that makes the change. A trigger on the column
//! sends `NOTIFY dutydesk_revocations, '<staff id>:<generation>'` when that transaction commits.
//!
//! Each instance keeps the generations in memory ([`Revocations`]: a hash map under an
//! `RwLock`; only staff whose generation is above 0 are in it). A listener task holds its own
//! direct connection (not the pool: `LISTEN` needs a session, which a transaction-mode pooler
//! does not keep), applies each notification, reloads everything after every (re)connect and
//! runs a heartbeat query every [`HEARTBEAT`]. A heartbeat that returns proves every
//! notification committed before it was sent has arrived, so the cache is *fresh as of* the
//! moment it was sent.
//!
//! The staleness bound is [`STALENESS_BOUND`] (5 s): an old token is refused on every instance
//! at most that long after the change commits (in practice within a few milliseconds). When the
//! cache cannot vouch for freshness past the bound (the listener lost its connection), requests
//! with this service's tokens are answered 503 `revocation_state_unknown` with `Retry-After`,
//! never 401 (a 401 logs phones out). Unauthenticated endpoints are not affected.
//!
//! Identity-provider tokens carry no generation: one that names a staff member is resolved
//! against the staff table on every request (active, current roles), so it follows deactivation
//! and role changes at once; one that names nobody is the identity provider's to revoke.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The channel the trigger of migration 000031 notifies.
pub const CHANNEL: &str = "dutydesk_revocations";
/// How long the cache may go unconfirmed before requests get 503.
pub const STALENESS_BOUND: Duration = Duration::from_secs(5);
/// How often the listener confirms its connection (and so the cache's freshness).
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// The `application_name` of the listener's connection (to find it in `pg_stat_activity`).
pub const APPLICATION_NAME: &str = "dutydesk-revocations";

/// 503 `revocation_state_unknown`, to retry after a heartbeat.
pub fn state_unknown() -> crate::error::ApiError {
    let mut e = crate::error::ApiError::of(crate::error::Code::RevocationStateUnknown);
    e.retry_after_secs = Some(HEARTBEAT.as_secs().max(1));
    e
}

/// What the cache says about a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// Issued before the staff member's current generation: 401.
    Revoked,
    /// The cache is not known to be fresh: 503 `revocation_state_unknown`.
    Unknown,
}

/// Each staff member's token generation (absent: 0) and how fresh that knowledge is.
pub struct Revocations {
    generations: RwLock<HashMap<Uuid, i32>>,
    /// Milliseconds after `epoch` up to which every bump is known (0: not loaded yet).
    fresh_ms: AtomicU64,
    epoch: Instant,
    /// Woken on every confirmation (so that requests at start-up wait for the first load).
    confirmed: tokio::sync::Notify,
}

impl Default for Revocations {
    fn default() -> Self {
        Revocations::new()
    }
}

impl Revocations {
    pub fn new() -> Revocations {
        Revocations {
            generations: RwLock::new(HashMap::new()),
            fresh_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            confirmed: tokio::sync::Notify::new(),
        }
    }

    fn ms_since_epoch(&self, at: Instant) -> u64 {
        // Never 0: 0 means "never confirmed".
        (at.saturating_duration_since(self.epoch).as_millis() as u64).max(1)
    }

    /// Whether every bump committed up to `STALENESS_BOUND` ago is known.
    pub fn is_fresh(&self) -> bool {
        let fresh = self.fresh_ms.load(Ordering::Acquire);
        fresh != 0
            && self.ms_since_epoch(Instant::now()).saturating_sub(fresh)
                <= STALENESS_BOUND.as_millis() as u64
    }

    /// The verdict on a token of `staff_id` carrying generation `generation`: a hash-map read.
    pub fn check(&self, staff_id: Uuid, generation: i32) -> Verdict {
        if !self.is_fresh() {
            return Verdict::Unknown;
        }
        let current = match self.generations.read() {
            Ok(map) => map.get(&staff_id).copied().unwrap_or(0),
            Err(_) => return Verdict::Unknown,
        };
        if generation < current {
            Verdict::Revoked
        } else {
            Verdict::Valid
        }
    }

    /// [`check`](Self::check), but before the listener's first load (the instance is
    /// starting) waits for it up to the staleness bound.
    pub async fn check_when_loaded(&self, staff_id: Uuid, generation: i32) -> Verdict {
        if self.fresh_ms.load(Ordering::Acquire) == 0 {
            let deadline = tokio::time::Instant::now() + STALENESS_BOUND;
            while self.fresh_ms.load(Ordering::Acquire) == 0 {
                let wait = self.confirmed.notified();
                if self.fresh_ms.load(Ordering::Acquire) != 0 {
                    break;
                }
                if tokio::time::timeout_at(deadline, wait).await.is_err() {
                    break;
                }
            }
        }
        self.check(staff_id, generation)
    }

    /// Records a notified generation (generations only grow).
    pub fn apply(&self, staff_id: Uuid, generation: i32) {
        if let Ok(mut map) = self.generations.write() {
            let e = map.entry(staff_id).or_insert(generation);
            *e = (*e).max(generation);
        }
    }

    /// Replaces everything with a full load from the database.
    pub fn replace(&self, all: HashMap<Uuid, i32>) {
        if let Ok(mut map) = self.generations.write() {
            *map = all;
        }
    }

    /// Every bump committed before `at` is known.
    pub fn confirm(&self, at: Instant) {
        self.fresh_ms
            .fetch_max(self.ms_since_epoch(at), Ordering::AcqRel);
        self.confirmed.notify_waiters();
    }

    /// A notification's payload, `<staff id>:<generation>`.
    pub fn parse_payload(payload: &str) -> Option<(Uuid, i32)> {
        let (id, generation) = payload.split_once(':')?;
        Some((Uuid::parse_str(id).ok()?, generation.parse().ok()?))
    }
}

/// Keeps `cache` fresh from the database at `database_url` for as long as the process runs:
/// connects, `LISTEN`s, loads every generation, then applies notifications and confirms
/// freshness on each heartbeat; on any failure reconnects (once a second) and loads again.
pub async fn listen(database_url: String, cache: std::sync::Arc<Revocations>) {
    let mut down_since: Option<Instant> = None;
    loop {
        let err = match session(&database_url, &cache, &mut down_since).await {
            Ok(()) => "connection closed".to_owned(),
            Err(e) => e,
        };
        if down_since.is_none() {
            tracing::warn!(error = %err, "revocation listener lost the database; reconnecting");
            down_since = Some(Instant::now());
        }
        tokio::time::sleep(HEARTBEAT).await;
    }
}

/// One connection's life: returns when it fails.
async fn session(
    database_url: &str,
    cache: &Revocations,
    down_since: &mut Option<Instant>,
) -> Result<(), String> {
    use futures_util::StreamExt;
    let mut config: tokio_postgres::Config = database_url.parse().map_err(|e| format!("{e}"))?;
    config
        .application_name(APPLICATION_NAME)
        .connect_timeout(HEARTBEAT * 2);
    let (client, mut connection) =
        tokio::time::timeout(HEARTBEAT * 3, config.connect(tokio_postgres::NoTls))
            .await
            .map_err(|_| "connect timed out".to_owned())?
            .map_err(|e| format!("{e}"))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    let res = serve(&client, cache, &mut rx, down_since).await;
    driver.abort();
    res
}

async fn serve(
    client: &tokio_postgres::Client,
    cache: &Revocations,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    down_since: &mut Option<Instant>,
) -> Result<(), String> {
    let started = Instant::now();
    timed(client.batch_execute(&format!("LISTEN {CHANNEL}"))).await?;
    // Listening before loading: a bump committed during the load is notified, not missed.
    let rows = timed(client.query(
        "SELECT id::text, token_generation FROM staff WHERE token_generation > 0",
        &[],
    ))
    .await?;
    let mut all = HashMap::with_capacity(rows.len());
    for r in rows {
        let id: &str = r.try_get(0).map_err(|e| format!("{e}"))?;
        let id = Uuid::parse_str(id).map_err(|e| format!("{e}"))?;
        let generation: i32 = r.try_get(1).map_err(|e| format!("{e}"))?;
        all.insert(id, generation);
    }
    cache.replace(all);
    drain(cache, rx);
    cache.confirm(started);
    if let Some(since) = down_since.take() {
        tracing::info!(
            down_ms = since.elapsed().as_millis() as u64,
            "revocation listener reconnected and reloaded"
        );
    }
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            n = rx.recv() => match n {
                Some(p) => apply(cache, &p),
                None => return Err("connection closed".into()),
            },
            _ = beat.tick() => {
                let sent = Instant::now();
                timed(client.simple_query("SELECT 1")).await?;
                drain(cache, rx);
                cache.confirm(sent);
            }
        }
    }
}

/// A query to the listener's connection, bounded by two heartbeats.
async fn timed<T>(
    q: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, String> {
    tokio::time::timeout(HEARTBEAT * 2, q)
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| format!("{e}"))
}

fn drain(cache: &Revocations, rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>) {
    while let Ok(p) = rx.try_recv() {
        apply(cache, &p);
    }
}

fn apply(cache: &Revocations, payload: &str) {
    match Revocations::parse_payload(payload) {
        Some((id, generation)) => cache.apply(id, generation),
        None => tracing::warn!(payload, "ignored a malformed revocation notification"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_generation_is_revoked_once_fresh() {
        let c = Revocations::new();
        let id = Uuid::now_v7();
        assert_eq!(c.check(id, 0), Verdict::Unknown);
        c.confirm(Instant::now());
        assert_eq!(c.check(id, 0), Verdict::Valid);
        c.apply(id, 2);
        c.apply(id, 1);
        assert_eq!(c.check(id, 1), Verdict::Revoked);
        assert_eq!(c.check(id, 2), Verdict::Valid);
        assert_eq!(c.check(id, 3), Verdict::Valid);
        assert_eq!(c.check(Uuid::nil(), 0), Verdict::Valid);
    }

    #[test]
    fn payloads_parse() {
        let id = Uuid::now_v7();
        assert_eq!(
            Revocations::parse_payload(&format!("{id}:7")),
            Some((id, 7))
        );
        assert_eq!(Revocations::parse_payload("x:1"), None);
        assert_eq!(Revocations::parse_payload(&id.to_string()), None);
    }

    /// The hot-path cost: a freshness check and a hash-map read under an uncontended RwLock.
    #[test]
    fn a_check_costs_well_under_a_microsecond() {
        let c = Revocations::new();
        for _ in 0..10_000 {
            c.apply(Uuid::now_v7(), 1);
        }
        c.confirm(Instant::now());
        let id = Uuid::now_v7();
        let n = 200_000;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(c.check(std::hint::black_box(id), 0));
        }
        let per = t.elapsed() / n;
        eprintln!("revocation check: {per:?} per call (10 000 entries)");
        assert!(per < Duration::from_micros(20), "{per:?}");
    }
}
