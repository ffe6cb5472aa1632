//! Who may fetch an attachment: whoever may see a record that references it (each kind of record
//! says who sees it), or its uploader while no record references it.

use super::model::{AttachmentMeta, EntityType};
use super::store;
use crate::citizen;
use crate::error::ApiError;
use crate::inspections::{access as findings, store as ins_store};
use crate::principal::CurrentUser;
use crate::rectifications::store as rect_store;
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;

/// Whether `user` may fetch the attachment `meta` (of their center).
pub async fn may_see(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    meta: &AttachmentMeta,
) -> Result<bool, ApiError> {
    let refs = store::refs_of(conn, meta.id).await?;
    if refs.is_empty() {
        return Ok(user.staff_id.is_some() && user.staff_id == meta.uploaded_by);
    }
    for r in refs {
        if r.entity_type == EntityType::CitizenRequest {
            let Some(row) = citizen::store::find(conn, user.center_id, r.entity_id).await? else {
                continue;
            };
            let owned = match user.staff_id {
                Some(me) => citizen::store::owned_by(conn, row.id, me).await?,
                None => false,
            };
            if citizen::read::may_see(user, &row, owned) {
                return Ok(true);
            }
            continue;
        }
        let about = match r.entity_type {
            EntityType::CitizenRequest => None,
            EntityType::Inspection => ins_store::find(conn, user.center_id, r.entity_id)
                .await?
                .map(|f| f.staff_id),
            EntityType::Rectification => rect_store::find(conn, user.center_id, r.entity_id, false)
                .await
                .optional()?
                .map(|x| x.staff_id),
        };
        if about.is_some_and(|a| findings::may_see(user, a)) {
            return Ok(true);
        }
    }
    Ok(false)
}
