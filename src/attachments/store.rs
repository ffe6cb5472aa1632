//! Attachments and their references in the database.

use super::model::{AttachmentMeta, AttachmentRef, EntityType, NewAttachment};
use crate::db::schema::attachment_refs as ar;
use crate::db::schema::attachments as at;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewAttachment<'_>,
) -> QueryResult<AttachmentMeta> {
    diesel::insert_into(at::table)
        .values(new)
        .returning(AttachmentMeta::as_returning())
        .get_result(conn)
        .await
}

/// Attachment `id` of the center, without its bytes.
pub async fn meta(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<AttachmentMeta>> {
    at::table
        .filter(at::center_id.eq(center_id))
        .filter(at::id.eq(id))
        .select(AttachmentMeta::as_select())
        .first(conn)
        .await
        .optional()
}

/// The sealed bytes of attachment `id` (`None` for a row still in clear, see
/// [`super::sealed::seal_legacy`]).
pub async fn sealed(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Vec<u8>>> {
    at::table.find(id).select(at::sealed).first(conn).await
}

/// Up to `n` rows still stored in clear (before migration 000027), locked for this transaction
/// and skipped by others: `(id, clear bytes)`.
pub async fn lock_legacy(
    conn: &mut AsyncPgConnection,
    n: i64,
) -> QueryResult<Vec<(Uuid, Option<Vec<u8>>)>> {
    at::table
        .filter(at::sealed.is_null())
        .order(at::id)
        .limit(n)
        .select((at::id, at::legacy_data))
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Replaces the clear bytes of row `id` with `sealed` under `key_id`.
pub async fn set_sealed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    sealed: &[u8],
    key_id: &str,
) -> QueryResult<usize> {
    diesel::update(at::table.find(id))
        .set((
            at::sealed.eq(sealed),
            at::key_id.eq(key_id),
            at::legacy_data.eq(None::<Vec<u8>>),
        ))
        .execute(conn)
        .await
}

/// How many uploads of portal `subject` since `since` no record references yet.
pub async fn portal_pending(
    conn: &mut AsyncPgConnection,
    subject: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> QueryResult<i64> {
    at::table
        .filter(at::uploaded_by_portal.eq(subject))
        .filter(at::created_at.ge(since))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            ar::table.filter(ar::attachment_id.eq(at::id)),
        )))
        .count()
        .get_result(conn)
        .await
}

/// Which of `ids` some record references already.
pub async fn referenced(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    ar::table
        .filter(ar::attachment_id.eq_any(ids))
        .select(ar::attachment_id)
        .distinct()
        .load(conn)
        .await
}

/// The attachments of `ids` in the center (any uploader), without their bytes.
pub async fn metas(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<AttachmentMeta>> {
    at::table
        .filter(at::center_id.eq(center_id))
        .filter(at::id.eq_any(ids))
        .select(AttachmentMeta::as_select())
        .load(conn)
        .await
}

/// The records referencing attachment `id`.
pub async fn refs_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<AttachmentRef>> {
    ar::table
        .filter(ar::attachment_id.eq(id))
        .select(AttachmentRef::as_select())
        .load(conn)
        .await
}

pub async fn insert_refs(conn: &mut AsyncPgConnection, refs: &[AttachmentRef]) -> QueryResult<()> {
    diesel::insert_into(ar::table)
        .values(refs)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// `(entity id, attachment id)` of every attachment referenced by records `ids` of `entity`, in
/// attachment order.
pub async fn referenced_by(
    conn: &mut AsyncPgConnection,
    entity: EntityType,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    ar::table
        .filter(ar::entity_type.eq(entity))
        .filter(ar::entity_id.eq_any(ids))
        .order((ar::entity_id, ar::attachment_id))
        .select((ar::entity_id, ar::attachment_id))
        .load(conn)
        .await
}
