//! `dutydesk tick`: the one place for timed work (sweeps today; reminders, escalations and the
//! like later). Run it every minute from cron, a systemd timer or the compose file; nothing in
//! the request path does timed work.
//!
//! Any number of instances may run it at once: each first tries the PostgreSQL advisory lock
//! [`LOCK_KEY`] (per database) on its own connection, and only the one that gets it does the
//! work; the others report that they skipped. Each step runs in its own transaction, so a failing
//! step leaves the steps before it done. Every step must be safe to run again (a second tick
//! right after the first finds nothing to do).
//!
//! To add timed work, write a function taking a connection and returning how many rows it
//! handled, and add it to [`STEPS`].
//!
//! After the steps, still holding the lock, the tick delivers the outbox's due events to the
//! portals' webhook endpoints ([`crate::outbox::deliver`]). That phase is not a step: it needs
//! the endpoints and HTTP, and it holds no transaction open while it waits on the network.

use crate::outbox::deliver::Webhooks;
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::BoxFuture;
use serde::Serialize;
use std::collections::BTreeMap;

/// The advisory lock that makes a tick run alone: the ASCII bytes of "dutytick" as an `int8`,
/// i.e. `SELECT pg_try_advisory_lock(7238820041060868971)`. Advisory locks are per database.
pub const LOCK_KEY: i64 = 0x6475_7479_7469_636b;

/// One piece of timed work: a stable name (the key in the report) and what it runs, inside a
/// transaction; it returns how many rows it handled.
pub struct Step {
    pub name: &'static str,
    pub run: for<'c> fn(&'c mut AsyncPgConnection) -> BoxFuture<'c, QueryResult<usize>>,
}

/// Everything a tick does, in order.
pub const STEPS: &[Step] = &[
    Step {
        name: "expired_refresh_tokens",
        run: expired_refresh_tokens,
    },
    Step {
        name: "stale_login_throttle",
        run: stale_login_throttle,
    },
    Step {
        name: "old_idempotency_keys",
        run: old_idempotency_keys,
    },
    Step {
        name: "anonymise_citizens",
        run: anonymise_citizens,
    },
    Step {
        name: "citizen_due_dates",
        run: citizen_due_dates,
    },
    Step {
        name: "citizen_overdue_escalated",
        run: citizen_overdue_escalated,
    },
    // Last, so it signs the heads the steps above moved.
    Step {
        name: "audit_checkpoints",
        run: audit_checkpoints,
    },
];

fn expired_refresh_tokens(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::auth::store::sweep_expired_refresh(conn))
}

fn stale_login_throttle(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::auth::store::sweep_stale_throttle(conn))
}

fn old_idempotency_keys(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::idempotency::sweep_old_keys(conn))
}

fn anonymise_citizens(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::citizen::retention::anonymise_due(
        conn,
        chrono::Utc::now(),
    ))
}

fn citizen_due_dates(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::citizen::overdue::fill_due_dates(conn))
}

fn citizen_overdue_escalated(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::citizen::overdue::escalate(conn, chrono::Utc::now()))
}

/// Needs the audit keys installed in the process (`dutydesk tick` installs them from
/// `DUTYDESK_AUDIT_KEY` and `DUTYDESK_AUDIT_SIGNING_KEY`); without them the step fails.
fn audit_checkpoints(conn: &mut AsyncPgConnection) -> BoxFuture<'_, QueryResult<usize>> {
    Box::pin(crate::audit::checkpoint::take_all(conn, chrono::Utc::now()))
}

/// What one tick did. Printed by `dutydesk tick` as one line of JSON, e.g.
/// `{"skipped":false,"steps":{"expired_refresh_tokens":3,"old_idempotency_keys":0,"stale_login_throttle":1},"webhooks":2}`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TickReport {
    /// True when another tick held the lock, so this one did nothing.
    pub skipped: bool,
    /// Rows handled per step (empty when skipped).
    pub steps: BTreeMap<&'static str, usize>,
    /// Webhook delivery attempts made (each is a row of `webhook_deliveries`).
    pub webhooks: usize,
}

impl TickReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a tick report serializes")
    }
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Runs one tick against `database_url` with no webhook endpoints (events wait): see [`run_with`].
pub async fn run(database_url: &str) -> Result<TickReport, String> {
    run_with(database_url, &Webhooks::none()).await
}

/// Runs one tick against `database_url`: takes the lock or reports `skipped`, then runs
/// [`STEPS`] one by one, each in its own transaction, then delivers due webhook events to
/// `webhooks`.
pub async fn run_with(database_url: &str, webhooks: &Webhooks) -> Result<TickReport, String> {
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<diesel::sql_types::BigInt, _>(LOCK_KEY)
        .get_result(&mut conn)
        .await
        .map_err(|e| format!("cannot take the tick lock: {e}"))?;
    if !lock.locked {
        return Ok(TickReport {
            skipped: true,
            steps: BTreeMap::new(),
            webhooks: 0,
        });
    }
    let mut steps = BTreeMap::new();
    for step in STEPS {
        let done = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| (step.run)(conn).await)
            .await
            .map_err(|e| format!("tick step {} failed: {e}", step.name))?;
        steps.insert(step.name, done);
    }
    let webhooks = crate::outbox::deliver::run(&mut conn, webhooks).await?;
    // Closing the connection releases the lock too (also when a step fails above); unlocking
    // here says so explicitly.
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(LOCK_KEY)
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot release the tick lock: {e}"))?;
    Ok(TickReport {
        skipped: false,
        steps,
        webhooks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_unique_and_the_lock_key_spells_dutytick() {
        let mut names: Vec<_> = STEPS.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), STEPS.len());
        assert_eq!(LOCK_KEY.to_be_bytes(), *b"dutytick");
        assert_eq!(LOCK_KEY, 7_238_820_041_060_868_971);
    }
}
