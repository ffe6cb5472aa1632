//! `POST /rating-links`: staff hand the citizen a one-time link (QR code) to rate what they did.
//!
//! Audit: entity type `rating_link`, action `created` (`after`: what it rates and when it
//! expires; never the token).

use super::model::{Link, LinkRow, NewLink};
use super::rate;
use super::store;
use super::submit::token_hash;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::rules::Errors;
use crate::org::store as org_store;
use crate::principal::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use rand::RngCore;
use serde_json::json;
use uuid::Uuid;

/// How long a link can be used.
pub const LINK_VALID_DAYS: i64 = 7;

/// Create a one-time rating link for the citizen in front of you (e.g. shown as a QR code of
/// `…/rate?t=<token>`, which posts to `createRatingByLink`).
///
/// The owner of a request (answered or closed) links to it; a window staff member to a service
/// they gave (`service.staff_id` is the caller). The token is shown once (only its hash is
/// kept), is valid for 7 days and rates once. A request or service already rated (and not open
/// to a re-rating after its closed follow-up) gets no link (409 `already_rated`).
#[utoipa::path(
    operation_id = "createRatingLink",
    tag = "ratings",
    request_body = NewLink,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The link's token (shown once) and expiry", body = Link),
        (status = 400, description = "`validation_failed`: not exactly one of `request_id` and `service` (`required`), `service.matter` blank or too long, `service.served_at` in the future (`in_future`), `service.staff_id`/`service.department_id` not of the center (`unknown`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the caller has no staff record, does not own the request, or `service.staff_id` is someone else", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request in the center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_rated`; `request_not_answered`; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rating-links")]
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewLink>,
) -> ApiResult<HttpResponse> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let b = body.into_inner();
    let now = state.clock.now();
    let mut errs = Errors::default();
    rate::check_subject(&mut errs, b.request_id, b.service.as_ref(), now);
    errs.finish()?;
    if b.service.as_ref().is_some_and(|s| s.staff_id != me) {
        return Err(ApiError::forbidden());
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let rated = rate::resolve(conn, center.id, b.request_id, b.service.as_ref()).await?;
        if rated.request_id.is_some() && rated.staff_id != Some(me) {
            return Err(ApiError::forbidden());
        }
        rate::next_round(conn, center.id, &rated.key).await?;
        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = URL_SAFE_NO_PAD.encode(raw);
        let row = LinkRow {
            id: Uuid::now_v7(),
            center_id: center.id,
            token_hash: token_hash(&token),
            subject_key: rated.key.clone(),
            request_id: rated.request_id,
            staff_id: rated.staff_id,
            department_id: rated.department_id,
            matter: rated.matter.clone(),
            served_at: rated.served_at,
            created_by: me,
            created_at: now,
            expires_at: now + Duration::days(LINK_VALID_DAYS),
            used_at: None,
            rating_id: None,
        };
        store::insert_link(conn, &row).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "created", "rating_link", row.id).after(json!({
                "subject_key": row.subject_key,
                "request_id": row.request_id,
                "staff_id": row.staff_id,
                "expires_at": row.expires_at,
            })),
        )
        .await?;
        Ok(Reply::json(
            StatusCode::CREATED,
            &Link {
                id: row.id,
                token,
                expires_at: row.expires_at,
            },
        ))
    })
    .await
}
