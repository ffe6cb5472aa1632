//! Connection pool and embedded migrations.
//!
//! Migrations run as the role that owns the schema (`dutydesk migrate`, with
//! `DUTYDESK_MIGRATION_DATABASE_URL`); the server connects as a member of `dutydesk_app`
//! (migration 000035), which cannot run them. So `serve` never migrates: it checks with
//! [`pending`] and refuses to start while migrations are pending.

pub mod replica;
pub mod schema;

use diesel::migration::MigrationSource;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// A pooled connection handed out again within this time of its last hand-out is not checked
/// with a query first (see [`pool`]).
pub const VERIFY_AFTER_IDLE: Duration = Duration::from_millis(250);

/// Builds the pool. Connections are opened lazily; waiting for one is bounded by `timeout`.
///
/// Before a connection is handed out again, the pool drops it when it is closed, broken (a
/// query on it lost the server) or left inside a transaction; and when it was last handed out
/// more than [`VERIFY_AFTER_IDLE`] ago, it must first answer `SELECT 1`, else it is dropped and
/// another taken or opened. So after a database restart no request gets a dead connection,
/// while under load (connections reused within milliseconds) no request pays that extra round
/// trip.
pub fn pool(database_url: &str, max_size: usize, timeout: Duration) -> Result<DbPool, String> {
    use deadpool::managed::{Hook, HookError};
    use diesel_async::RunQueryDsl;
    use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .pre_recycle(Hook::async_fn(|conn: &mut AsyncPgConnection, metrics| {
            Box::pin(async move {
                if metrics.last_used() <= VERIFY_AFTER_IDLE {
                    return Ok(());
                }
                let checked: diesel::QueryResult<usize> =
                    diesel::sql_query("SELECT 1").execute(conn).await;
                checked.map(|_| ()).map_err(|e| {
                    HookError::message(format!("pooled connection failed its check: {e}"))
                })
            })
        }))
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .build()
        .map_err(|e| format!("cannot build the database pool: {e}"))
}

/// Runs pending migrations; returns the versions applied.
pub async fn migrate(database_url: &str) -> Result<Vec<String>, String> {
    use diesel_async::AsyncConnection;
    let conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    tokio::task::spawn_blocking(move || {
        let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect())
            .map_err(|e| {
                let hint = if e.to_string().contains("permission denied")
                    || e.to_string().contains("must be owner")
                {
                    " (migrations run as the role that owns the schema, not the server's role)"
                } else {
                    ""
                };
                format!("migration failed: {e}{hint}")
            })
    })
    .await
    .map_err(|e| format!("migration task failed: {e}"))?
}

#[derive(diesel::QueryableByName)]
struct Applied {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

/// The embedded migrations not yet applied to the database, oldest first. Reads
/// `__diesel_schema_migrations` only (the harness would try to create it, which the server's
/// role may not), so it works with the server's reduced rights.
pub async fn pending(database_url: &str) -> Result<Vec<String>, String> {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let exists: Vec<Applied> = diesel::sql_query(
        "SELECT '' AS version WHERE to_regclass('__diesel_schema_migrations') IS NOT NULL",
    )
    .load(&mut conn)
    .await
    .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    let applied: std::collections::HashSet<String> = if exists.is_empty() {
        Default::default()
    } else {
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Applied>(&mut conn)
            .await
            .map_err(|e| format!("cannot read the applied migrations: {e}"))?
            .into_iter()
            .map(|a| a.version)
            .collect()
    };
    let all = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| format!("cannot read the embedded migrations: {e}"))?;
    let mut out: Vec<String> = all
        .iter()
        .filter(|m| !applied.contains(&m.name().version().to_string()))
        .map(|m| m.name().to_string())
        .collect();
    out.sort();
    Ok(out)
}
