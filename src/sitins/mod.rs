//! Department leaders sitting in the hall (领导坐班, R15, R16): weekly plans filed by a
//! deadline, fixed weekday patterns, the attendance the office records, and the weekly
//! compliance report behind the office's notice (通报). The rules are in [`compliance`].

pub mod attendance;
pub mod checks;
pub mod compliance;
pub mod model;
pub mod patterns;
pub mod plans;
pub mod report;
pub mod settings;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(settings::get_settings)
        .service(settings::put_settings)
        .service(plans::file)
        .service(plans::list)
        .service(plans::get_one)
        .service(patterns::list)
        .service(patterns::get_one)
        .service(patterns::put)
        .service(patterns::remove)
        .service(attendance::record)
        .service(attendance::list)
        .service(attendance::remove)
        .service(report::compliance_report);
}
