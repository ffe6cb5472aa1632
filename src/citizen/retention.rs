//! Anonymising citizens' personal data after the center's retention period (R22, R23), run by
//! `dutydesk tick` (step `anonymise_citizens`).
//!
//! A request closed or refused more than the center's `retention_days` ago
//! (`citizen_request_settings`, else [`super::store::Settings::defaults`]) loses its citizen's
//! personal data: the sealed name and phone, their masked forms and the phone's blind index are
//! emptied in `citizen_contacts` and `anonymised_at` is set. Its attachments (ID copies and photos
//! are personal data) are unlinked and deleted unless another record still references them. The
//! request itself, its owner chain, moves, notices and audit trail stay. Each anonymised request
//! gets an audit entry (`anonymised`, by the system) that holds no personal data.
//!
//! At most [`BATCH`] requests per tick; the rest follow on the next ticks. Safe to run again:
//! anonymised contacts are not picked again.

use crate::audit::{AuditEntry, store as audit_store};
use crate::db::schema::{attachment_refs, attachments};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Requests anonymised per tick at most.
pub const BATCH: i32 = 200;

#[derive(QueryableByName)]
struct Anonymised {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    request_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    center_id: Uuid,
}

/// Anonymises the requests whose retention ran out by `now`; returns how many.
pub async fn anonymise_due(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let default_days = super::store::Settings::defaults(Uuid::nil()).retention_days;
    let done: Vec<Anonymised> = diesel::sql_query(
        "WITH due AS (
             SELECT c.request_id
               FROM citizen_contacts c
               JOIN citizen_requests r ON r.id = c.request_id
               LEFT JOIN citizen_request_settings s ON s.center_id = r.center_id
              WHERE c.anonymised_at IS NULL
                AND r.state IN ('closed', 'refused')
                AND COALESCE(r.closed_at, r.updated_at)
                    < $1 - make_interval(days => COALESCE(s.retention_days, $2))
              ORDER BY c.request_id
              LIMIT $3
                FOR UPDATE OF c SKIP LOCKED)
         UPDATE citizen_contacts c
            SET name_enc = NULL, phone_enc = NULL, name_masked = NULL, phone_masked = NULL,
                phone_index = NULL, anonymised_at = $1
           FROM due
          WHERE c.request_id = due.request_id
         RETURNING c.request_id, c.center_id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(default_days)
    .bind::<Integer, _>(BATCH)
    .load(conn)
    .await?;
    if done.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = done.iter().map(|d| d.request_id).collect();
    let unlinked: Vec<(Uuid, Uuid)> = diesel::delete(
        attachment_refs::table
            .filter(attachment_refs::entity_type.eq("citizen_request"))
            .filter(attachment_refs::entity_id.eq_any(&ids)),
    )
    .returning((attachment_refs::entity_id, attachment_refs::attachment_id))
    .get_results(conn)
    .await?;
    let files: Vec<Uuid> = unlinked.iter().map(|(_, a)| *a).collect();
    if !files.is_empty() {
        diesel::delete(
            attachments::table
                .filter(attachments::id.eq_any(&files))
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    attachment_refs::table
                        .filter(attachment_refs::attachment_id.eq(attachments::id)),
                ))),
        )
        .execute(conn)
        .await?;
    }
    for d in &done {
        let dropped = unlinked.iter().filter(|(r, _)| *r == d.request_id).count();
        audit_store::append(
            conn,
            AuditEntry::system(d.center_id, "anonymised", "citizen_request", d.request_id).after(
                serde_json::json!({
                    "contact_anonymised_at": now,
                    "attachments_removed": dropped,
                }),
            ),
        )
        .await?;
    }
    Ok(done.len())
}
