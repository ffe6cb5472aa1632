//! The center's sit-in settings: the plan filing deadline.
//!
//! Audit: entity type `sit_in_settings`, entity id the center id, action `updated`.

use super::compliance::{DEFAULT_DEADLINE_DAYS_BEFORE, MAX_DEADLINE_DAYS_BEFORE};
use super::model::{SettingsRow, SitInSettings};
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    /// 0–28: plans for the week of Monday `W` are due by the end of `W` minus this many days
    /// (center's local date). 7 = by the Monday one week earlier; 0 = by the Monday itself.
    #[schema(minimum = 0, maximum = 28, example = 7)]
    pub deadline_days_before: i32,
}

fn view(row: Option<&SettingsRow>) -> SitInSettings {
    match row {
        Some(r) => SitInSettings {
            deadline_days_before: r.deadline_days_before,
            version: r.version,
        },
        None => SitInSettings {
            deadline_days_before: DEFAULT_DEADLINE_DAYS_BEFORE,
            version: 0,
        },
    }
}

/// The center's sit-in settings (every role of the center may read).
#[utoipa::path(
    operation_id = "getSitInSettings",
    tag = "sit-ins",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings (defaults until changed); `ETag` set", body = SitInSettings),
    )
)]
#[get("/leader-sit-ins/settings")]
pub async fn get_settings(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let v = view(store::settings(&mut conn, user.center_id).await?.as_ref());
    let version = v.version;
    Ok(with_etag(&v, version))
}

/// Change the center's sit-in settings (office admin). Honours `If-Match`. Plans already
/// filed keep the deadline and lateness they were filed with.
#[utoipa::path(
    operation_id = "setSitInSettings",
    tag = "sit-ins",
    request_body = SettingsUpdate,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new settings; `ETag` set", body = SitInSettings),
        (status = 400, description = "`validation_failed`: `deadline_days_before` not 0–28 (`out_of_range`); `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/leader-sit-ins/settings")]
pub async fn put_settings(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    body: web::Json<SettingsUpdate>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let days = body.deadline_days_before;
    if !(0..=MAX_DEADLINE_DAYS_BEFORE).contains(&days) {
        return Err(ApiError::invalid(
            FieldError::of("deadline_days_before", FieldCode::OutOfRange)
                .param("min", 0)
                .param("max", MAX_DEADLINE_DAYS_BEFORE),
        ));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let before = store::settings_for_update(conn, user.center_id).await?;
        let before_view = view(Some(&before));
        check_version(expected, before_view.version)?;
        let after = store::save_settings(conn, user.center_id, days).await?;
        let after_view = view(Some(&after));
        audit::record(
            conn,
            AuditEntry::new(&user, "updated", "sit_in_settings", user.center_id)
                .before(&before_view)
                .after(&after_view),
        )
        .await?;
        let version = after_view.version;
        Ok(Reply::with_etag(&after_view, version))
    })
    .await
}
