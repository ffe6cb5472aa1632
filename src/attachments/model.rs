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
    pub uploaded_by: Uuid,
    pub content_type: AttachmentType,
    pub size: i32,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub id: Uuid,
    pub center_id: Uuid,
    pub uploaded_by: Uuid,
    pub content_type: AttachmentType,
    pub size: i32,
    pub sha256: &'a str,
    pub data: &'a [u8],
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
    pub uploaded_by: Uuid,
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
            created_at: m.created_at,
        }
    }
}
