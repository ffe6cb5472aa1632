//! The office's duty-compliance report (R7, R8, R12): check-ins, door checks, the duty log and
//! the handover over a range of days, per day and per supervisor. The rules are pure
//! ([`evaluate`], on rows loaded for the whole range); the endpoint and its exports are in
//! [`api`]; `docs/compliance.md` explains each status.

pub mod api;
pub mod evaluate;
pub mod model;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::duty_compliance);
}
