//! Attendance of the front-desk staff (R4.5): the day's supervisors record each front-desk staff
//! member's day for the whole hall in one request ([`api`]); approved leave is filled in
//! ([`sheet`]); the input rules are pure ([`rules`]); the log's submission freezes the sheet, and
//! later changes are amendments ([`amendments`], through `dutyday::amend`).
//!
//! The front-desk staff are the center's active staff with the `window_staff` role.

pub mod amendments;
pub mod api;
pub mod model;
pub mod rules;
pub mod sheet;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::get_sheet)
        .service(api::put_sheet)
        .service(amendments::amend_attendance)
        .service(api::my_attendance);
}
