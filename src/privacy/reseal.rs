//! Re-sealing after a key rotation (`dutydesk reseal`).
//!
//! Rotating the sealing key is three steps (docs/privacy.md): put the new key first in
//! `DUTYDESK_PII_KEYS` and keep the old ones after it (new values are sealed with the new key,
//! old ones still open); run `dutydesk reseal` until it reports nothing left under an old key;
//! then remove the old keys. This module is the middle step: it walks every sealed column
//! ([`COLUMNS`]) in key order, a batch at a time, and re-seals each value whose key is not the
//! current one. Each value is replaced only if it is still the value that was read (compare and
//! swap), so it is safe while the service runs and safe to run again. A value that no configured
//! key opens is left alone and counted as `unreadable` (its key was removed too early).

use super::Vault;
use diesel::QueryableByName;
use diesel::sql_types::{Binary, Integer};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One sealed column: `table.column`, keyed by the UUID column `key`, sealed for `purpose`.
pub struct Column {
    pub table: &'static str,
    pub key: &'static str,
    pub column: &'static str,
    pub purpose: &'static str,
    /// Sealed with the row's key bound in ([`Vault::seal_record`]), not for the purpose alone.
    pub per_record: bool,
    /// A column beside it naming the sealing key, kept in step.
    pub key_id_column: Option<&'static str>,
    /// Values read per query (files are large: few at a time).
    pub batch: i32,
}

/// Every sealed column of the service.
pub const COLUMNS: &[Column] = &[
    Column {
        table: "citizen_contacts",
        key: "request_id",
        column: "name_enc",
        purpose: crate::citizen::intake::NAME_PURPOSE,
        per_record: false,
        key_id_column: None,
        batch: 500,
    },
    Column {
        table: "citizen_contacts",
        key: "request_id",
        column: "phone_enc",
        purpose: crate::citizen::intake::PHONE_PURPOSE,
        per_record: false,
        key_id_column: None,
        batch: 500,
    },
    Column {
        table: "attachments",
        key: "id",
        column: "sealed",
        purpose: crate::attachments::sealed::PURPOSE,
        per_record: true,
        key_id_column: Some("key_id"),
        batch: 8,
    },
];

/// What one column's pass found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Re-sealed under the current key.
    pub resealed: usize,
    /// Already under the current key.
    pub current: usize,
    /// Under a key that is not configured, or damaged: left as they are.
    pub unreadable: usize,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Binary)]
    value: Vec<u8>,
}

/// Re-seals every value of [`COLUMNS`] that is not under `vault`'s current key; the counts by
/// `table.column`.
pub async fn run(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
) -> diesel::QueryResult<BTreeMap<String, Counts>> {
    let mut out = BTreeMap::new();
    for c in COLUMNS {
        out.insert(
            format!("{}.{}", c.table, c.column),
            column(conn, vault, c).await?,
        );
    }
    Ok(out)
}

async fn column(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    c: &Column,
) -> diesel::QueryResult<Counts> {
    // Identifiers come from `COLUMNS` (constants), never from input.
    let read = format!(
        "SELECT {key} AS id, {col} AS value FROM {table}
          WHERE {key} > $1 AND {col} IS NOT NULL ORDER BY {key} LIMIT $2",
        key = c.key,
        col = c.column,
        table = c.table
    );
    let set_key_id = c
        .key_id_column
        .map(|k| format!(", {k} = $4"))
        .unwrap_or_default();
    let write = format!(
        "UPDATE {table} SET {col} = $1{set_key_id} WHERE {key} = $2 AND {col} = $3",
        key = c.key,
        col = c.column,
        table = c.table
    );
    let mut counts = Counts::default();
    let mut after = Uuid::nil();
    loop {
        let rows: Vec<Row> = diesel::sql_query(&read)
            .bind::<diesel::sql_types::Uuid, _>(after)
            .bind::<Integer, _>(c.batch)
            .load(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            if vault.is_current(&row.value) {
                counts.current += 1;
                continue;
            }
            let opened = if c.per_record {
                vault.open_record(c.purpose, row.id, &row.value).ok()
            } else {
                vault.open(c.purpose, &row.value)
            };
            let Some(clear) = opened else {
                counts.unreadable += 1;
                continue;
            };
            let sealed = if c.per_record {
                vault.seal_record(c.purpose, row.id, &clear)
            } else {
                vault.seal(c.purpose, &clear)
            };
            // 0 rows: the value changed meanwhile (re-sealed by the service under the current
            // key, or anonymised); nothing to do.
            let mut update = diesel::sql_query(&write)
                .into_boxed()
                .bind::<Binary, _>(sealed)
                .bind::<diesel::sql_types::Uuid, _>(row.id)
                .bind::<Binary, _>(&row.value);
            if c.key_id_column.is_some() {
                update = update.bind::<diesel::sql_types::Text, _>(vault.current_key_id());
            }
            counts.resealed += update.execute(conn).await?;
        }
    }
    Ok(counts)
}
