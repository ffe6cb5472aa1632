//! `GET/PUT /citizen-request-settings`: the center's deadlines per kind (working days) and how
//! long the citizen's personal data is kept after a request is closed.
//!
//! New requests take the deadline in force when they are received; existing requests keep
//! theirs (`deadline_days` is stored on each request).

use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::db::schema::citizen_request_settings as st;
use crate::error::{ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The center's deadlines and retention. The defaults (a center that never set them): 3
/// working days for consultations, 5 for help, 10 for complaints, 15 for suggestions; personal
/// data kept 1095 days after closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = st)]
pub struct RequestSettings {
    /// Working days for a consultation 咨询 (1–60).
    pub consultation_days: i32,
    /// Working days for a request for help 求助 (1–60).
    pub help_days: i32,
    /// Working days for a complaint 投诉 (1–60).
    pub complaint_days: i32,
    /// Working days for a suggestion 建议 (1–60).
    pub suggestion_days: i32,
    /// Days after closing before the citizen's name and phone are anonymised (30–3650).
    pub retention_days: i32,
    /// Also the `ETag`.
    pub version: i32,
    /// When last changed (the Unix epoch while the defaults were never changed).
    pub updated_at: DateTime<Utc>,
}

/// The whole settings (every field required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSettingsUpdate {
    pub consultation_days: i32,
    pub help_days: i32,
    pub complaint_days: i32,
    pub suggestion_days: i32,
    pub retention_days: i32,
}

fn defaults() -> RequestSettings {
    let d = super::store::Settings::defaults(Uuid::nil());
    RequestSettings {
        consultation_days: d.consultation_days,
        help_days: d.help_days,
        complaint_days: d.complaint_days,
        suggestion_days: d.suggestion_days,
        retention_days: d.retention_days,
        version: 1,
        updated_at: d.updated_at,
    }
}

async fn load(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    lock: bool,
) -> QueryResult<RequestSettings> {
    let q = st::table
        .find(center_id)
        .select(RequestSettings::as_select());
    let row = if lock {
        q.for_update().first(conn).await.optional()?
    } else {
        q.first(conn).await.optional()?
    };
    Ok(row.unwrap_or_else(defaults))
}

fn check(b: &RequestSettingsUpdate) -> Result<(), crate::error::ApiError> {
    let mut errs = Vec::new();
    for (field, v) in [
        ("consultation_days", b.consultation_days),
        ("help_days", b.help_days),
        ("complaint_days", b.complaint_days),
        ("suggestion_days", b.suggestion_days),
    ] {
        if !(1..=60).contains(&v) {
            errs.push(
                FieldError::of(field, FieldCode::OutOfRange)
                    .param("min", 1)
                    .param("max", 60),
            );
        }
    }
    if !(30..=3650).contains(&b.retention_days) {
        errs.push(
            FieldError::of("retention_days", FieldCode::OutOfRange)
                .param("min", 30)
                .param("max", 3650),
        );
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(crate::error::ApiError::validation(errs))
    }
}

/// The center's deadlines and retention (every staff role of the center).
#[utoipa::path(
    operation_id = "getCitizenRequestSettings",
    tag = "citizen-requests",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings; `ETag` carries their version", body = RequestSettings),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-request-settings")]
pub async fn get_settings(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let s = load(&mut conn, user.center_id, false).await?;
    Ok(with_etag(&s, s.version))
}

/// Replace the center's deadlines and retention (office admin). Honours `If-Match`.
///
/// Requests received from now on take the new deadlines; requests already received keep
/// theirs. The same values again change nothing (no new version, no audit event).
#[utoipa::path(
    operation_id = "setCitizenRequestSettings",
    tag = "citizen-requests",
    request_body = RequestSettingsUpdate,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new settings; `ETag` carries their version", body = RequestSettings),
        (status = 400, description = "`validation_failed`: a deadline outside 1–60 or `retention_days` outside 30–3650 (`out_of_range`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/citizen-request-settings")]
pub async fn put_settings(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    body: web::Json<RequestSettingsUpdate>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let b = body.into_inner();
    check(&b)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center_id = user.center_id;
        let now = state.clock.now();
        // A center that never set them gets its row (the defaults, version 1) to lock.
        diesel::insert_into(st::table)
            .values((
                st::center_id.eq(center_id),
                st::updated_at.eq(DateTime::<Utc>::UNIX_EPOCH),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        let before = load(conn, center_id, true).await?;
        check_version(expected, before.version)?;
        let same = before.consultation_days == b.consultation_days
            && before.help_days == b.help_days
            && before.complaint_days == b.complaint_days
            && before.suggestion_days == b.suggestion_days
            && before.retention_days == b.retention_days;
        if same {
            return Ok(Reply::with_etag(&before, before.version));
        }
        let after: RequestSettings = diesel::update(st::table.find(center_id))
            .set((
                st::consultation_days.eq(b.consultation_days),
                st::help_days.eq(b.help_days),
                st::complaint_days.eq(b.complaint_days),
                st::suggestion_days.eq(b.suggestion_days),
                st::retention_days.eq(b.retention_days),
                st::version.eq(before.version + 1),
                st::updated_at.eq(now),
            ))
            .returning(RequestSettings::as_returning())
            .get_result(conn)
            .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "updated", "citizen_request_settings", center_id)
                .before(&before)
                .after(&after),
        )
        .await?;
        Ok(Reply::with_etag(&after, after.version))
    })
    .await
}
