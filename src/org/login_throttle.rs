//! `DELETE /staff/{id}/login-throttle`: an office admin lifts the delays on a staff member's
//! logins and password changes (see [`crate::auth::throttle`]).

use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::throttle;
use crate::error::{ApiError, ApiResult, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, delete, web};
use serde_json::json;
use uuid::Uuid;

/// Lift the login delays of a staff member (office admin).
///
/// Deletes the failure counts of the staff member's account at every client address (logins
/// and password changes), so the next attempt is checked at once. The counts of the addresses
/// themselves (over all accounts) stay. Audited (`login_throttle_cleared`, with how many
/// counts went), also when there was nothing to clear.
#[utoipa::path(
    operation_id = "clearStaffLoginThrottle",
    tag = "staff",
    params(("id" = Uuid, Path, description = "Staff id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Delays lifted"),
        (status = 400, description = "Malformed path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/staff/{id}/login-throttle")]
pub async fn clear(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let cleared = throttle::clear_staff(conn, user.center_id, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        audit::record(
            conn,
            AuditEntry::new(&user, "login_throttle_cleared", "staff", id)
                .before(json!({"counts": cleared})),
        )
        .await?;
        tracing::info!(
            target: "dutydesk::security",
            event = "login_throttle_cleared",
            staff_id = %id,
            counts = cleared,
            "security event"
        );
        Ok(Reply::no_content())
    })
    .await
}
