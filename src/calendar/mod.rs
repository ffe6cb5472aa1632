//! The working-day calendar (R3, R9, R11, R20): weekday rule, China's statutory holidays and
//! make-up working days, and each center's overrides.
//!
//! Other features count working days with [`store::load`] and the [`workdays::Calendar`] it
//! returns.

pub mod api;
pub mod model;
pub mod rules;
pub mod statutory;
pub mod store;
pub mod workdays;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list)
        .service(api::put_days)
        .service(api::get_day)
        .service(api::put_day)
        .service(api::delete_day);
}
