//! The duty log (R4.5, R8, R13, R22): one per center and duty day. A draft while the day runs
//! (autosaved with `If-Match`, [`api`]), submitted to the office before the afternoon closing —
//! submission freezes the log and the day's attendance — then acknowledged by the office. Later
//! changes are amendments ([`amendments`], through `dutyday::amend`). Facility faults reported
//! for repair carry over from day to day until repaired ([`faults`]). Content rules are pure
//! ([`rules`]); SQL is in [`store`].

pub mod amendments;
pub mod api;
pub mod faults;
pub mod model;
pub mod rules;
pub mod store;
pub mod view;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::get_log)
        .service(api::put_log)
        .service(api::submit)
        .service(api::acknowledge)
        .service(amendments::amend_log)
        .service(faults::report)
        .service(faults::repaired)
        .service(faults::list);
}
