//! Every attachment's bytes are sealed at rest with the [`Vault`] (AES-256-GCM, the key id stored
//! beside the row), bound to [`PURPOSE`] and the attachment's id: a file copied onto another row
//! does not open. There is no other store: inspection photos, rectification evidence and
//! citizens' ID copies all go through here.
//!
//! Sealing and opening run on the blocking pool (`web::block`): a 5 MiB file takes milliseconds
//! of CPU, too long for an async worker thread.
//!
//! Rows stored in clear before migration 000027 keep their bytes in `legacy_data` until
//! [`seal_legacy`] seals them; `dutydesk serve` runs it when it starts, before it listens.

use super::store;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::privacy::{OpenError, Vault};
use actix_web::web;
use diesel_async::AsyncConnection;
use std::sync::Arc;
use uuid::Uuid;

/// What attachment bytes are sealed for (bound into each ciphertext with the row's id).
pub const PURPOSE: &str = "attachments.data";

/// A sealed file and the id of the key that sealed it.
pub struct Sealed {
    pub bytes: Vec<u8>,
    pub key_id: String,
}

/// Seals the bytes of attachment `id` under the current key, off the async threads.
pub async fn seal(vault: &Arc<Vault>, id: Uuid, clear: Vec<u8>) -> Result<Sealed, ApiError> {
    let vault = Arc::clone(vault);
    web::block(move || Sealed {
        bytes: vault.seal_record(PURPOSE, id, &clear),
        key_id: vault.current_key_id().to_owned(),
    })
    .await
    .map_err(|_| ApiError::internal())
}

/// Opens the bytes of attachment `id`, off the async threads: 500 `attachment_key_unknown` when
/// the key that sealed them is no longer configured, 500 `attachment_corrupt` when they do not
/// authenticate (altered in the database, or moved from another row).
pub async fn open(vault: &Arc<Vault>, id: Uuid, sealed: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    let vault = Arc::clone(vault);
    let opened = web::block(move || vault.open_record(PURPOSE, id, &sealed))
        .await
        .map_err(|_| ApiError::internal())?;
    opened.map_err(|e| {
        tracing::error!(attachment = %id, error = ?e, "stored attachment does not open");
        match e {
            OpenError::UnknownKey(key) => {
                ApiError::of(Code::AttachmentKeyUnknown).param("key_id", key)
            }
            OpenError::Malformed | OpenError::Tampered => {
                ApiError::of(Code::AttachmentCorrupt).param("id", id)
            }
        }
    })
}

/// Seals every attachment still stored in clear (rows from before migration 000027), a few rows
/// per transaction; safe to run from several instances at once (rows are locked and skipped).
/// Returns how many it sealed.
pub async fn seal_legacy(state: &AppState) -> Result<usize, String> {
    let mut conn = state
        .pool
        .get()
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let mut total = 0;
    loop {
        let done = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let rows = store::lock_legacy(conn, 16).await?;
                let n = rows.len();
                for (id, clear) in rows {
                    let sealed = seal(&state.vault, id, clear.unwrap_or_default()).await?;
                    store::set_sealed(conn, id, &sealed.bytes, &sealed.key_id).await?;
                }
                Ok(n)
            })
            .await
            .map_err(|e| format!("cannot seal the attachments stored in clear: {e:?}"))?;
        if done == 0 {
            return Ok(total);
        }
        total += done;
    }
}
