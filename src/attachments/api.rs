//! `POST /attachments` (upload) and `GET /attachments/{id}` (the bytes), and [`attach`], the
//! one way a record references attachments.
//!
//! Audit: entity type `attachment`, action `uploaded` (`after`: the metadata, never the bytes).
//! The bytes are sealed before the write and opened after the read ([`super::sealed`]).

use super::kind::{self, AttachmentType};
use super::model::{Attachment, AttachmentRef, EntityType, NewAttachment, Uploader};
use super::{access, sealed, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::store as org_store;
use crate::principal::{Actor, Caller, CurrentUser, PortalClient};
use crate::text_enum::TextEnum;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The upload's route pattern (the idempotency middleware reads its body with the attachment
/// limit).
pub const UPLOAD_ROUTE: &str = "/api/v1/attachments";

/// The bytes of a file (JPEG, PNG or PDF).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// At most this many uploads of one portal client in the last day may be waiting for a request
/// to reference them (429 `attachment_quota_exceeded` beyond).
pub const PORTAL_PENDING_UPLOADS: i64 = 100;

/// The center a portal upload is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The center's code: required from the portal (one its token lists); staff may leave it out
    /// (their own center).
    pub center_code: Option<String>,
}

/// Upload a photo or document: the raw bytes as the body, with their `Content-Type`.
///
/// Not JSON, not multipart: the body is the file itself. Its type is decided from the bytes
/// (magic numbers): JPEG, PNG or PDF only; the declared `Content-Type` must say the same. At
/// most `DUTYDESK_ATTACHMENT_LIMIT_BYTES` (default 5 MiB), apart from the JSON body limit. The
/// bytes are encrypted at rest (AES-256-GCM under the current key of `DUTYDESK_PII_KEYS`).
///
/// Any staff member of the center with a staff record may upload; so may the portal (a `portal`
/// token) for a center its token lists, named by `center_code`, with at most 100 of its uploads
/// of the last day not yet referenced by a request. The attachment belongs to the uploader until
/// one of their own writes references it by id (e.g. `attachment_ids` of `createInspection`, or
/// of `createCitizenRequest` from the portal). The portal cannot download attachments. Send an
/// `Idempotency-Key` so that a retry replays the first answer.
#[utoipa::path(
    operation_id = "uploadAttachment",
    tag = "attachments",
    params(UploadParams),
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
        (status = 400, description = "`malformed_request`: the body could not be read; `validation_failed`: `center_code` missing from the portal (`required`) or unknown (`unknown`); a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the caller has no staff record (identity-provider token without one); `center_not_served`: the portal's token does not list the center, or staff named another center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`attachment_too_large`: over the attachment limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_attachment_type`: the bytes are not a JPEG, PNG or PDF, or the declared `Content-Type` is not what they are", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`attachment_quota_exceeded`: the portal has 100 uploads of the last day that no request references", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub async fn upload(
    caller: Caller,
    state: web::Data<AppState>,
    idem: Idem,
    req: HttpRequest,
    query: web::Query<UploadParams>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let code = query.into_inner().center_code;
    let uploader = match &caller {
        Caller::Staff(u) => Uploader::Staff(u.staff_id.ok_or_else(ApiError::forbidden)?),
        Caller::Portal(p) => Uploader::Portal(&p.subject),
    };
    let body = read_body(&state, &req, payload).await?;
    let detected = check_type(&req, &body)?;
    let limit = state.config.attachment_limit_bytes;
    let size = i32::try_from(body.len())
        .map_err(|_| ApiError::of(Code::AttachmentTooLarge).param("limit", limit))?;
    let sha256 = hex::encode(Sha256::digest(&body));
    let id = Uuid::now_v7();
    let sealed = sealed::seal(&state.vault, id, body).await?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center_id = center_of(conn, &caller, code.as_deref()).await?;
        if let Caller::Portal(p) = &caller {
            let since = state.clock.now() - chrono::Duration::days(1);
            if store::portal_pending(conn, &p.subject, since).await? >= PORTAL_PENDING_UPLOADS {
                return Err(ApiError::of(Code::AttachmentQuotaExceeded)
                    .param("limit", PORTAL_PENDING_UPLOADS));
            }
        }
        let (staff, portal) = match uploader {
            Uploader::Staff(s) => (Some(s), None),
            Uploader::Portal(p) => (None, Some(p)),
        };
        let row = store::insert(
            conn,
            &NewAttachment {
                id,
                center_id,
                uploaded_by: staff,
                uploaded_by_portal: portal,
                content_type: detected,
                size,
                sha256: &sha256,
                sealed: &sealed.bytes,
                key_id: &sealed.key_id,
                created_at: state.clock.now(),
            },
        )
        .await?;
        let actor = match &caller {
            Caller::Staff(u) => Actor::from(u),
            Caller::Portal(p) => Actor::portal(p, center_id),
        };
        audit::record(
            conn,
            AuditEntry::new(actor, "uploaded", "attachment", row.id).after(&row),
        )
        .await?;
        let location = format!("/api/v1/attachments/{}", row.id);
        Ok(Reply::json(StatusCode::CREATED, &Attachment::from(row))
            .header(header::LOCATION, location))
    })
    .await
}

/// The body, within the attachment limit (413 beyond, by `Content-Length` or as read).
async fn read_body(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Vec<u8>, ApiError> {
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
    crate::web::read_limited(payload, limit)
        .await
        .map_err(|_| ApiError::of(Code::MalformedRequest))?
        .ok_or_else(too_large)
}

/// The type of `body` from its bytes, which the declared `Content-Type` must match (415).
fn check_type(req: &HttpRequest, body: &[u8]) -> Result<AttachmentType, ApiError> {
    let declared = kind::media_type(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let detected =
        kind::detect(body).ok_or_else(|| ApiError::of(Code::AttachmentTypeUnsupported))?;
    if declared != detected.as_str() {
        return Err(ApiError::of(Code::AttachmentTypeMismatch)
            .param(
                "declared",
                if declared.is_empty() { "-" } else { &declared },
            )
            .param("detected", detected));
    }
    Ok(detected)
}

/// The center of the upload: the portal names one its token lists; staff their own.
async fn center_of(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    code: Option<&str>,
) -> Result<Uuid, ApiError> {
    match caller {
        Caller::Staff(u) => {
            if let Some(c) = code
                && org_store::center(conn, u.center_id).await?.code != c
            {
                return Err(ApiError::of(Code::CenterNotServed).param("center_code", c));
            }
            Ok(u.center_id)
        }
        Caller::Portal(p) => {
            let code = code.ok_or_else(|| {
                ApiError::invalid(FieldError::of("center_code", FieldCode::Required))
            })?;
            if !p.serves(code) {
                return Err(ApiError::of(Code::CenterNotServed).param("center_code", code));
            }
            let center = org_store::center_by_code(conn, code)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(FieldError::of("center_code", FieldCode::UnknownCenter))
                })?;
            Ok(center.id)
        }
    }
}

/// The bytes of an attachment.
///
/// Served to whoever may see a record that references it (a finding: its inspectors, the office,
/// auditors and the staff member it is about; a rectification likewise), and to its uploader
/// while no record references it; everybody else gets 404, as for an id that does not exist. The
/// portal never downloads (403), not even its own uploads: it submits, it does not read files
/// back. The bytes are decrypted on the way out. Immutable: the `ETag` is its SHA-256 and it may be cached privately; `If-None-Match` answers
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
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a portal token (the portal does not download attachments)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`attachment_key_unknown`: the key that sealed the file is no longer configured; `attachment_corrupt`: the stored bytes do not authenticate (altered in the database)", body = Problem, content_type = "application/problem+json"),
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
    let stored = store::sealed(&mut conn, meta.id)
        .await?
        .ok_or_else(|| ApiError::of(Code::AttachmentCorrupt).param("id", meta.id))?;
    drop(conn);
    let data = sealed::open(&state.vault, meta.id, stored).await?;
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
    target: (EntityType, Uuid),
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(me) = user.staff_id else {
        return match ids.first() {
            Some(id) => Err(ApiError::of(Code::AttachmentUnavailable).param("id", id)),
            None => Ok(()),
        };
    };
    attach_as(
        conn,
        (user.center_id, Uploader::Staff(me)),
        ids,
        (photos_only, false),
        target,
        at,
    )
    .await
}

/// References the portal's uploads `ids` from record `entity_id` of `entity` of center
/// `center_id`: each must have been uploaded by `portal` for that center and be referenced by no
/// record yet (422 `attachment_unavailable`).
pub async fn attach_portal(
    conn: &mut AsyncPgConnection,
    (portal, center_id): (&PortalClient, Uuid),
    ids: &[Uuid],
    target: (EntityType, Uuid),
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    attach_as(
        conn,
        (center_id, Uploader::Portal(&portal.subject)),
        ids,
        (false, true),
        target,
        at,
    )
    .await
}

async fn attach_as(
    conn: &mut AsyncPgConnection,
    (center_id, by): (Uuid, Uploader<'_>),
    ids: &[Uuid],
    (photos_only, unreferenced_only): (bool, bool),
    (entity, entity_id): (EntityType, Uuid),
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = store::metas(conn, center_id, ids).await?;
    let taken = if unreferenced_only {
        store::referenced(conn, ids).await?
    } else {
        Vec::new()
    };
    for id in ids {
        let m = found
            .iter()
            .find(|m| m.id == *id && m.uploaded_by(&by) && !taken.contains(id))
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
            center_id,
            created_at: at,
        })
        .collect();
    Ok(store::insert_refs(conn, &refs).await?)
}
