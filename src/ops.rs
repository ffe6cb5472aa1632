//! Operations endpoints outside `/api/v1`: liveness, readiness, metrics.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    pub status: String,
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// Liveness: the process is up.
#[utoipa::path(operation_id = "getHealth", tag = "ops", responses((status = 200, description = "Up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(operation_id = "getReadiness", tag = "ops", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "`database_unavailable`", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Health>> {
    let mut conn = state.pool.get().await?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::unavailable()
        })?;
    Ok(web::Json(Health {
        status: "ok".into(),
    }))
}

/// Prometheus metrics (text exposition format), for allowed scrapers only: send
/// `Authorization: Bearer <DUTYDESK_METRICS_TOKEN>`. Without a configured token the endpoint is
/// off (404), except in dev mode, where it is open.
#[utoipa::path(operation_id = "getMetrics", tag = "ops", responses(
    (status = 200, description = "Metrics", body = String, content_type = "text/plain; version=0.0.4"),
    (status = 401, description = "`unauthorized`: no or a wrong scrape token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "`not_found`: no scrape token configured (outside dev mode)", body = Problem, content_type = "application/problem+json"),
), security(("metrics_token" = [])))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let token = &state.config.metrics_token;
    if token.is_empty() {
        if !state.config.dev {
            return Err(ApiError::not_found());
        }
    } else {
        let auth = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !crate::metrics::scraper_allowed(token, auth) {
            return Err(ApiError::unauthorized());
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(&state.pool)))
}
