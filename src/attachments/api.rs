//! `POST /attachments` (upload) and `GET /attachments/{id}` (the bytes), and [`attach`], the
//! one way a record references attachments.
//!
//! Audit: entity type `attachment`, action `uploaded` (`after`: the metadata, never the bytes).

use super::kind;
use super::model::{Attachment, AttachmentRef, EntityType, NewAttachment};
use super::{access, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::text_enum::TextEnum;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// The upload's route pattern (the idempotency middleware reads its body with the attachment
/// limit).
pub const UPLOAD_ROUTE: &str = "/api/v1/attachments";

/// The bytes of a file (JPEG, PNG or PDF).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// Upload a photo or document: the raw bytes as the body, with their `Content-Type`.
///
/// Not JSON, not multipart: the body is the file itself. Its type is decided from the bytes
/// (magic numbers): JPEG, PNG or PDF only; the declared `Content-Type` must say the same. At
/// most `DUTYDESK_ATTACHMENT_LIMIT_BYTES` (default 5 MiB), apart from the JSON body limit. Any
/// staff member of the center with a staff record may upload; the attachment belongs to the
/// uploader until one of their own writes references it by id (e.g. `attachment_ids` of
/// `createInspection`). Send an `Idempotency-Key` so that a retry replays the first answer.
#[utoipa::path(
    operation_id = "uploadAttachment",
    tag = "attachments",
    request_body(
        description = "The file's bytes; `Content-Type` is the file's type",
        content(
            (FileBytes = "image/jpeg"),
            (FileBytes = "image/png"),
            (FileBytes = "application/pdf"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored: its id, type (from the bytes), size and SHA-256", body = Attachment),
        (status = 400, description = "`malformed_request`: the body could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the caller has no staff record (identity-provider token without one)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`attachment_too_large`: over the attachment limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_attachment_type`: the bytes are not a JPEG, PNG or PDF, or the declared `Content-Type` is not what they are", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub async fn upload(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let limit = state.config.attachment_limit_bytes;
    let too_large = || ApiError::of(Code::AttachmentTooLarge).param("limit", limit);
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_len.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let body = crate::web::read_limited(payload, limit)
        .await
        .map_err(|_| ApiError::of(Code::MalformedRequest))?
        .ok_or_else(too_large)?;
    let declared = kind::media_type(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let detected =
        kind::detect(&body).ok_or_else(|| ApiError::of(Code::AttachmentTypeUnsupported))?;
    if declared != detected.as_str() {
        return Err(ApiError::of(Code::AttachmentTypeMismatch)
            .param(
                "declared",
                if declared.is_empty() { "-" } else { &declared },
            )
            .param("detected", detected));
    }
    let size = i32::try_from(body.len()).map_err(|_| too_large())?;
    let sha256 = hex::encode(Sha256::digest(&body));
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let row = store::insert(
            conn,
            &NewAttachment {
                id: Uuid::now_v7(),
                center_id: user.center_id,
                uploaded_by: me,
                content_type: detected,
                size,
                sha256: &sha256,
                data: &body,
                created_at: state.clock.now(),
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "uploaded", "attachment", row.id).after(&row),
        )
        .await?;
        let location = format!("/api/v1/attachments/{}", row.id);
        Ok(Reply::json(StatusCode::CREATED, &Attachment::from(row))
            .header(header::LOCATION, location))
    })
    .await
}

/// The bytes of an attachment.
///
/// Served to whoever may see a record that references it (a finding: its inspectors, the office,
/// auditors and the staff member it is about; a rectification likewise), and to its uploader
/// while no record references it; everybody else gets 404, as for an id that does not exist.
/// Immutable: the `ETag` is its SHA-256 and it may be cached privately; `If-None-Match` answers
/// 304.
#[utoipa::path(
    operation_id = "getAttachment",
    tag = "attachments",
    params(("id" = Uuid, Path, description = "The attachment's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, with its `Content-Type`, `Content-Disposition`, `ETag` and `X-Content-Type-Options: nosniff`",
            content(
                (FileBytes = "image/jpeg"),
                (FileBytes = "image/png"),
                (FileBytes = "application/pdf"),
            )
        ),
        (status = 304, description = "Not modified (`If-None-Match` names its `ETag`)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments/{id}")]
pub async fn download(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let meta = store::meta(&mut conn, user.center_id, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !access::may_see(&mut conn, &user, &meta).await? {
        return Err(ApiError::not_found());
    }
    let etag = format!("\"{}\"", meta.sha256);
    let cache = "private, max-age=31536000, immutable";
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    if fresh {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    let data = store::data(&mut conn, meta.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, meta.content_type.as_str()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "{}; filename=\"{}.{}\"",
                if meta.content_type.is_image() {
                    "inline"
                } else {
                    "attachment"
                },
                meta.id,
                meta.content_type.extension()
            ),
        ))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(data))
}

/// References attachments `ids` from record `entity_id` of `entity`, in the caller's write: each
/// must exist in the caller's center and have been uploaded by the caller (422
/// `attachment_unavailable`), and be a photo where `photos_only` (422 `attachment_not_image`).
pub async fn attach(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    ids: &[Uuid],
    photos_only: bool,
    (entity, entity_id): (EntityType, Uuid),
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = store::metas(conn, user.center_id, ids).await?;
    for id in ids {
        let m = found
            .iter()
            .find(|m| m.id == *id && Some(m.uploaded_by) == user.staff_id)
            .ok_or_else(|| ApiError::of(Code::AttachmentUnavailable).param("id", id))?;
        if photos_only && !m.content_type.is_image() {
            return Err(ApiError::of(Code::AttachmentNotImage).param("id", id));
        }
    }
    let refs: Vec<AttachmentRef> = ids
        .iter()
        .map(|id| AttachmentRef {
            attachment_id: *id,
            entity_type: entity,
            entity_id,
            center_id: user.center_id,
            created_at: at,
        })
        .collect();
    Ok(store::insert_refs(conn, &refs).await?)
}
