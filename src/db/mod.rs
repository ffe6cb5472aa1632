//! Connection pool and embedded migrations.

pub mod schema;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Builds the pool. Connections are opened lazily; waiting for one is bounded by `timeout`.
pub fn pool(database_url: &str, max_size: usize, timeout: Duration) -> Result<DbPool, String> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    Pool::builder(manager)
        .max_size(max_size)
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
            .map_err(|e| format!("migration failed: {e}"))
    })
    .await
    .map_err(|e| format!("migration task failed: {e}"))?
}
