//! Queries of citizens' requests.

use super::model::{ContactRow, Kind, RequestRow};
use crate::db::schema::{
    attachment_refs, citizen_contacts, citizen_request_lookups, citizen_request_owners,
    citizen_request_settings, citizen_requests,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

/// A center's deadlines and retention (the migration's defaults when it has set none).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = citizen_request_settings)]
pub struct Settings {
    pub center_id: Uuid,
    pub consultation_days: i32,
    pub help_days: i32,
    pub complaint_days: i32,
    pub suggestion_days: i32,
    pub retention_days: i32,
    pub updated_at: DateTime<Utc>,
}

impl Settings {
    /// The defaults (documented in `docs/citizen-requests.md`, equal to the migration's).
    pub fn defaults(center_id: Uuid) -> Settings {
        Settings {
            center_id,
            consultation_days: 3,
            help_days: 5,
            complaint_days: 10,
            suggestion_days: 15,
            retention_days: 1095,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    /// Working days allowed for `kind`.
    pub fn days(&self, kind: Kind) -> i32 {
        match kind {
            Kind::Consultation => self.consultation_days,
            Kind::Help => self.help_days,
            Kind::Complaint => self.complaint_days,
            Kind::Suggestion => self.suggestion_days,
        }
    }
}

pub async fn settings(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<Settings> {
    Ok(citizen_request_settings::table
        .find(center_id)
        .select(Settings::as_select())
        .first(conn)
        .await
        .optional()?
        .unwrap_or_else(|| Settings::defaults(center_id)))
}

/// Inserts `row` unless its tracking number is taken; `false` when taken (try another).
pub async fn insert_if_new(conn: &mut AsyncPgConnection, row: &RequestRow) -> QueryResult<bool> {
    let n = diesel::insert_into(citizen_requests::table)
        .values(row)
        .on_conflict(citizen_requests::tracking_no)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn insert_contact(conn: &mut AsyncPgConnection, c: &ContactRow) -> QueryResult<()> {
    diesel::insert_into(citizen_contacts::table)
        .values(c)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_lookup(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    code_hash: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(citizen_request_lookups::table)
        .values((
            citizen_request_lookups::request_id.eq(request_id),
            citizen_request_lookups::code_hash.eq(code_hash),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Opens the owner chain with its first owner.
pub async fn first_owner(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    owner_id: Uuid,
    how: &str,
    since: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(citizen_request_owners::table)
        .values((
            citizen_request_owners::request_id.eq(request_id),
            citizen_request_owners::seq.eq(1),
            citizen_request_owners::owner_id.eq(owner_id),
            citizen_request_owners::how.eq(how),
            citizen_request_owners::since.eq(since),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// One request of the center.
pub async fn find(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<RequestRow>> {
    citizen_requests::table
        .filter(citizen_requests::center_id.eq(center_id))
        .filter(citizen_requests::id.eq(id))
        .select(RequestRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One request by id, of any center (the portal's reads check the center themselves).
pub async fn by_id(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<RequestRow>> {
    citizen_requests::table
        .find(id)
        .select(RequestRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The contacts of these requests, by request id.
pub async fn contacts(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, ContactRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<ContactRow> = citizen_contacts::table
        .filter(citizen_contacts::request_id.eq_any(ids))
        .select(ContactRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|c| (c.request_id, c)).collect())
}

/// The attachments of these requests, by request id.
pub async fn attachment_ids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = attachment_refs::table
        .filter(attachment_refs::entity_type.eq("citizen_request"))
        .filter(attachment_refs::entity_id.eq_any(ids))
        .order((attachment_refs::entity_id, attachment_refs::created_at))
        .select((attachment_refs::entity_id, attachment_refs::attachment_id))
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (request, attachment) in rows {
        out.entry(request).or_default().push(attachment);
    }
    Ok(out)
}

/// Whether `staff` owns or has owned the request.
pub async fn owned_by(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    staff: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        citizen_request_owners::table
            .filter(citizen_request_owners::request_id.eq(request_id))
            .filter(citizen_request_owners::owner_id.eq(staff)),
    ))
    .get_result(conn)
    .await
}
