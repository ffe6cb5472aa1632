//! Attachment rows and their API view.

use super::kind::AttachmentType;
use crate::db::schema::{attachment_refs, attachments};
use crate::text_enum;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

text_enum!(
    /// The kinds of record that reference attachments.
    pub EntityType {
        Inspection => "inspection",
        Rectification => "rectification",
        CitizenRequest => "citizen_request",
    }
);

/// An attachment without its bytes.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = attachments)]
pub struct AttachmentMeta {
    pub id: Uuid,
    pub center_id: Uuid,
    /// The staff member who uploaded it, or `None` when the portal did.
    pub uploaded_by: Option<Uuid>,
    /// The portal client (token subject) that uploaded it.
    pub uploaded_by_portal: Option<String>,
    pub content_type: AttachmentType,
    pub size: i32,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl AttachmentMeta {
    /// Whether `who` uploaded it.
    pub fn uploaded_by(&self, who: &Uploader<'_>) -> bool {
        match who {
            Uploader::Staff(id) => self.uploaded_by == Some(*id),
            Uploader::Portal(sub) => self.uploaded_by_portal.as_deref() == Some(*sub),
        }
    }
}

/// Who uploads or attaches: a staff member (by id) or the portal (by client id).
#[derive(Debug, Clone, Copy)]
pub enum Uploader<'a> {
    Staff(Uuid),
    Portal(&'a str),
}

/// A new attachment: its bytes only sealed ([`super::sealed`]).
#[derive(Debug, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub id: Uuid,
    pub center_id: Uuid,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_by_portal: Option<&'a str>,
    pub content_type: AttachmentType,
    pub size: i32,
    pub sha256: &'a str,
    pub sealed: &'a [u8],
    pub key_id: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable, Serialize)]
#[diesel(table_name = attachment_refs)]
pub struct AttachmentRef {
    pub attachment_id: Uuid,
    pub entity_type: EntityType,
    pub entity_id: Uuid,
    pub center_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A stored attachment: reference it by `id` from a record (e.g. `attachment_ids` of a finding).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    /// Decided from the bytes.
    pub content_type: AttachmentType,
    /// Bytes.
    pub size: i32,
    /// SHA-256 of the bytes, lower-case hex (also the `ETag` of `GET /attachments/{id}`).
    pub sha256: String,
    /// The staff member who uploaded it; `null` when the portal did.
    pub uploaded_by: Option<Uuid>,
    /// The portal client (its token's subject) that uploaded it; `null` for staff uploads.
    pub uploaded_by_portal: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<AttachmentMeta> for Attachment {
    fn from(m: AttachmentMeta) -> Attachment {
        Attachment {
            id: m.id,
            content_type: m.content_type,
            size: m.size,
            sha256: m.sha256,
            uploaded_by: m.uploaded_by,
            uploaded_by_portal: m.uploaded_by_portal,
            created_at: m.created_at,
        }
    }
}
