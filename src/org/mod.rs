//! Organisation: the center, its departments and staff.

pub mod centers;
pub mod departments;
pub mod import;
pub mod login_throttle;
pub mod me;
pub mod model;
pub mod names;
pub mod rules;
pub mod staff;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(me::login)
        .service(me::refresh)
        .service(me::me)
        .service(centers::get_current)
        .service(centers::patch_current)
        .service(departments::list)
        .service(departments::create)
        .service(departments::get_one)
        .service(departments::update)
        .service(departments::deactivate)
        .service(staff::list)
        .service(staff::create)
        .service(import::import)
        .service(staff::get_one)
        .service(staff::update)
        .service(staff::deactivate)
        .service(staff::activate)
        .service(staff::reset_password)
        .service(login_throttle::clear);
}
