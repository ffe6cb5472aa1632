//! The caller's own center: read and change its settings.

use super::model::Center;
use super::rules::{self, Errors};
use super::store::{self, CenterChanges};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::NaiveTime;
use serde::Deserialize;
use utoipa::ToSchema;

/// Settings to change; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CenterPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: Option<String>,
    #[schema(value_type = Option<String>, example = "08:30:00")]
    pub opening_time: Option<NaiveTime>,
    #[schema(value_type = Option<String>, example = "17:30:00")]
    pub closing_time: Option<NaiveTime>,
    #[schema(value_type = Option<String>, example = "08:00:00")]
    pub duty_start_time: Option<NaiveTime>,
    #[schema(value_type = Option<String>, example = "18:00:00")]
    pub duty_end_time: Option<NaiveTime>,
    /// 0–240 minutes.
    #[schema(minimum = 0, maximum = 240)]
    pub arrival_lead_minutes: Option<i32>,
    /// 0–120 minutes before closing the security door is closed.
    #[schema(minimum = 0, maximum = 120)]
    pub closing_lead_minutes: Option<i32>,
    /// 0–720 minutes after the duty end that after-hours records stay writable.
    #[schema(minimum = 0, maximum = 720)]
    pub duty_grace_minutes: Option<i32>,
}

/// The caller's center.
#[utoipa::path(
    operation_id = "getCurrentCenter",
    tag = "centers",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The center; `ETag` header carries its version", body = Center),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's center does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/centers/current")]
pub async fn get_current(user: CurrentUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let c = store::center(&mut conn, user.center_id).await?;
    Ok(with_etag(&c, c.version))
}

/// Change the center's settings (office admin). Honours `If-Match`.
#[utoipa::path(
    operation_id = "updateCurrentCenter",
    tag = "centers",
    request_body = CenterPatch,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated center", body = Center),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Center not found", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/centers/current")]
pub async fn patch_current(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    body: web::Json<CenterPatch>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let p = body.into_inner();
    let mut errs = Errors::default();
    if let Some(n) = &p.name {
        errs.check(rules::text("name", n, 100));
    }
    if let Some(tz) = &p.time_zone {
        errs.check(rules::time_zone("time_zone", tz));
    }
    if let Some(m) = p.arrival_lead_minutes {
        errs.check(rules::range("arrival_lead_minutes", m, 0, 240));
    }
    if let Some(m) = p.closing_lead_minutes {
        errs.check(rules::range("closing_lead_minutes", m, 0, 120));
    }
    if let Some(m) = p.duty_grace_minutes {
        errs.check(rules::range("duty_grace_minutes", m, 0, 720));
    }
    errs.finish()?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let before = store::center_for_update(conn, user.center_id).await?;
        check_version(expected, before.version)?;
        let hours = rules::hours(
            p.opening_time.unwrap_or(before.opening_time),
            p.closing_time.unwrap_or(before.closing_time),
            p.duty_start_time.unwrap_or(before.duty_start_time),
            p.duty_end_time.unwrap_or(before.duty_end_time),
        );
        if !hours.is_empty() {
            return Err(ApiError::validation(hours));
        }
        let changes = CenterChanges {
            name: p.name.map(|n| n.trim().to_owned()),
            time_zone: p.time_zone,
            opening_time: p.opening_time,
            closing_time: p.closing_time,
            duty_start_time: p.duty_start_time,
            duty_end_time: p.duty_end_time,
            arrival_lead_minutes: p.arrival_lead_minutes,
            closing_lead_minutes: p.closing_lead_minutes,
            duty_grace_minutes: p.duty_grace_minutes,
        };
        let after = store::update_center(conn, user.center_id, changes).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "updated", "center", after.id)
                .before(&before)
                .after(&after),
        )
        .await?;
        Ok(Reply::with_etag(&after, after.version))
    })
    .await
}
