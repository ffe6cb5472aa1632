//! Rectification (整改, R25) of a problem found by an inspection, on the shared request lifecycle
//! ([`crate::lifecycle`]): the state machine in [`workflow`], its rows in [`kind`], the moves and
//! reads in [`api`].
//!
//! A problem recorded with `rectify_within_working_days` opens one, due that many working days
//! later on the center's calendar. The staff member concerned answers (the office for a
//! hall-wide finding); a supervisor on duty that day, or the office, verifies it (closed) or
//! reopens it with a new deadline. Open or reopened past its deadline (by the center's today) it
//! is overdue. Who sees which follows the finding ([`crate::inspections::access`]).

pub mod api;
pub mod kind;
pub mod model;
pub mod store;
pub mod workflow;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list)
        .service(api::get_one)
        .service(api::answer)
        .service(api::verify)
        .service(api::reopen);
}
