//! Reads that may be served by a streaming read replica (`DUTYDESK_READ_DATABASE_URL`).
//!
//! Only the reports, statistics, exports and calendar feeds read through
//! [`AppState::read_conn`](crate::AppState::read_conn) (docs/scaling.md lists them); every write,
//! every read that must see the caller's own write, and authentication use the primary pool.
//!
//! A [`monitor`] task measures the replica's replay lag once a second on one of its pooled
//! connections ([`LAG_SQL`]) and caches it. `read_conn` takes a replica connection only when the
//! cached measurement is fresh and its staleness bound (the measured lag plus the measurement's
//! age) is within `DUTYDESK_READ_MAX_STALENESS_SECS` ([`route`]); otherwise, and whenever getting
//! a replica connection fails, it takes a primary connection at once: no error for the client, a
//! log line and `db_read_fallbacks_total{reason}`. The bound, rounded up to whole seconds, is what
//! the response states in [`STALENESS_HEADER`](crate::web::STALENESS_HEADER) (0 from the primary).

use super::{DbConn, DbPool, PoolError};
use crate::AppState;
use crate::metrics::Metrics;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The replica's lag in seconds, or NULL when it cannot vouch for its data: not a standby (a
/// promoted or misconfigured server), or no WAL receiver (it lost the primary). When everything
/// received is replayed, nothing is pending and the lag is 0, however old the last replayed
/// transaction (an idle primary). Otherwise the time since the last replayed commit: every
/// commit the replica lacks came after it, so this is an upper bound.
pub const LAG_SQL: &str = "SELECT CASE \
     WHEN NOT pg_is_in_recovery() THEN NULL \
     WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL \
     WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
     ELSE greatest(0, EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()))::float8 \
     END AS lag";

/// How often the lag is measured.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// A measurement older than this (the monitor is stuck) vouches for nothing.
pub const MAX_SAMPLE_AGE: Duration = Duration::from_secs(3);

/// Longest wait for a replica connection before the read goes to the primary.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Where a replica-eligible read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To the replica; its data is at most `staleness_secs` seconds old.
    Replica { staleness_secs: u64 },
    /// To the primary, because the replica is too far behind.
    Stale,
    /// To the primary, because the replica's lag is unknown (unreachable, not streaming, not a
    /// standby, or no fresh measurement).
    Unknown,
}

/// The routing decision: `lag` as last measured (None: unknown), `sample_age` the time since
/// that measurement began, `max` the allowed staleness.
pub fn route(lag: Option<Duration>, sample_age: Duration, max: Duration) -> Route {
    let Some(lag) = lag else {
        return Route::Unknown;
    };
    if sample_age > MAX_SAMPLE_AGE {
        return Route::Unknown;
    }
    let bound = lag + sample_age;
    if bound > max {
        return Route::Stale;
    }
    Route::Replica {
        staleness_secs: bound.as_millis().div_ceil(1000) as u64,
    }
}

const UNKNOWN: u64 = u64::MAX;

/// The replica's pool and its last lag measurement.
pub struct Replica {
    pool: DbPool,
    max_staleness: Duration,
    epoch: Instant,
    /// Milliseconds of lag, or [`UNKNOWN`].
    lag_ms: AtomicU64,
    /// When the last measurement began, in milliseconds after `epoch`.
    measured_ms: AtomicU64,
}

impl Replica {
    pub fn new(pool: DbPool, max_staleness: Duration) -> Replica {
        Replica {
            pool,
            max_staleness,
            epoch: Instant::now(),
            lag_ms: AtomicU64::new(UNKNOWN),
            measured_ms: AtomicU64::new(0),
        }
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Where a read goes now, by the cached measurement.
    pub fn route(&self) -> Route {
        let lag = match AtomicU64::load(&self.lag_ms, Ordering::Acquire) {
            UNKNOWN => None,
            ms => Some(Duration::from_millis(ms)),
        };
        let began = self.epoch
            + Duration::from_millis(AtomicU64::load(&self.measured_ms, Ordering::Acquire));
        route(lag, began.elapsed(), self.max_staleness)
    }

    fn store(&self, began: Instant, lag: Option<Duration>) {
        let ms = lag.map_or(UNKNOWN, |l| l.as_millis().min(UNKNOWN as u128 - 1) as u64);
        // The time first: a reader never pairs a new lag with an older measurement's time.
        self.measured_ms.store(
            began.duration_since(self.epoch).as_millis() as u64,
            Ordering::Release,
        );
        self.lag_ms.store(ms, Ordering::Release);
    }

    /// One measurement on a pooled replica connection.
    async fn measure(&self) -> Result<Option<Duration>, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let row: Lag = diesel::sql_query(LAG_SQL)
            .get_result(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(row
            .lag
            .filter(|s| s.is_finite())
            .map(|s| Duration::from_secs_f64(s.max(0.0))))
    }
}

#[derive(diesel::QueryableByName)]
struct Lag {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    lag: Option<f64>,
}

/// Measures the replica's lag every [`INTERVAL`] for as long as the process runs; logs when the
/// replica becomes usable or unusable.
pub async fn monitor(replica: Arc<Replica>, metrics: Arc<Metrics>) {
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut usable: Option<bool> = None;
    loop {
        tick.tick().await;
        let began = Instant::now();
        let lag = match tokio::time::timeout(INTERVAL, replica.measure()).await {
            Ok(Ok(lag)) => lag,
            Ok(Err(e)) => {
                if usable != Some(false) {
                    tracing::warn!(error = %e, "read replica: cannot measure its lag");
                }
                None
            }
            Err(_) => None,
        };
        replica.store(began, lag);
        let bound = lag.map(|l| l + began.elapsed());
        metrics
            .replica_staleness
            .set(bound.map_or(-1.0, |b| b.as_secs_f64()));
        let now_usable = matches!(replica.route(), Route::Replica { .. });
        if usable != Some(now_usable) {
            if now_usable {
                tracing::info!(lag_ms = ?lag.map(|l| l.as_millis()), "read replica in use");
            } else {
                tracing::warn!(lag_ms = ?lag.map(|l| l.as_millis()), "read replica not used: reads go to the primary");
            }
            usable = Some(now_usable);
        }
    }
}

/// A connection for a replica-eligible read, and how stale its data may be.
pub struct ReadConn {
    conn: DbConn,
    staleness_secs: u64,
}

impl ReadConn {
    /// Upper bound of the data's age in whole seconds: 0 from the primary.
    pub fn staleness_secs(&self) -> u64 {
        self.staleness_secs
    }
}

impl std::ops::Deref for ReadConn {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &AsyncPgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for ReadConn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.conn
    }
}

impl AppState {
    /// A connection for a report, statistics, export or feed read: the replica's when one is
    /// configured, reachable and within the staleness bound, else the primary's.
    pub async fn read_conn(&self) -> Result<ReadConn, PoolError> {
        if let Some(replica) = &self.replica {
            match replica.route() {
                Route::Replica { staleness_secs } => {
                    match tokio::time::timeout(CONNECT_TIMEOUT, replica.pool.get()).await {
                        Ok(Ok(conn)) => {
                            self.metrics.replica_reads.inc();
                            return Ok(ReadConn {
                                conn,
                                staleness_secs,
                            });
                        }
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "read replica unreachable: reading from the primary");
                        }
                        Err(_) => {
                            tracing::warn!(
                                "read replica: no connection in time: reading from the primary"
                            );
                        }
                    }
                    self.metrics
                        .read_fallbacks
                        .with_label_values(&["unreachable"])
                        .inc();
                }
                other => {
                    let reason = if other == Route::Stale {
                        "stale"
                    } else {
                        "unknown"
                    };
                    tracing::debug!(reason, "read replica not used: reading from the primary");
                    self.metrics
                        .read_fallbacks
                        .with_label_values(&[reason])
                        .inc();
                }
            }
        }
        Ok(ReadConn {
            conn: self.pool.get().await?,
            staleness_secs: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    #[test]
    fn a_caught_up_replica_serves_with_the_measurement_age_as_its_bound() {
        assert_eq!(
            route(Some(s(0.0)), s(0.4), s(5.0)),
            Route::Replica { staleness_secs: 1 }
        );
        assert_eq!(
            route(Some(s(0.0)), s(0.0), s(5.0)),
            Route::Replica { staleness_secs: 0 }
        );
    }

    #[test]
    fn the_bound_is_lag_plus_sample_age_rounded_up() {
        assert_eq!(
            route(Some(s(2.2)), s(0.5), s(5.0)),
            Route::Replica { staleness_secs: 3 }
        );
        assert_eq!(
            route(Some(s(4.5)), s(0.5), s(5.0)),
            Route::Replica { staleness_secs: 5 }
        );
    }

    #[test]
    fn past_the_bound_reads_go_to_the_primary() {
        assert_eq!(route(Some(s(4.6)), s(0.5), s(5.0)), Route::Stale);
        assert_eq!(route(Some(s(60.0)), s(0.0), s(5.0)), Route::Stale);
        assert_eq!(route(Some(s(0.1)), s(0.0), s(0.0)), Route::Stale);
    }

    #[test]
    fn an_unknown_lag_or_an_old_measurement_goes_to_the_primary() {
        assert_eq!(route(None, s(0.1), s(5.0)), Route::Unknown);
        assert_eq!(route(Some(s(0.0)), s(3.5), s(60.0)), Route::Unknown);
    }

    #[test]
    fn a_new_replica_is_unknown_until_measured() {
        let manager = diesel_async::pooled_connection::AsyncDieselConnectionManager::<
            AsyncPgConnection,
        >::new("postgres://nobody@127.0.0.1:1/none");
        let pool = DbPool::builder(manager).max_size(1).build().unwrap();
        let r = Replica::new(pool, s(5.0));
        assert_eq!(r.route(), Route::Unknown);
        r.store(Instant::now(), Some(s(1.0)));
        assert!(matches!(
            r.route(),
            Route::Replica {
                staleness_secs: 1 | 2
            }
        ));
        r.store(Instant::now(), None);
        assert_eq!(r.route(), Route::Unknown);
    }
}
