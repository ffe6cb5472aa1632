//! Changes to published duty (R6, R14): substitutions (顶岗), swaps (换班) and leave (请假、调休).
//! Each kind's moves are a pure state machine in `workflow.rs`; `checks.rs` holds the checks
//! they share, `store.rs` their queries.

pub mod checks;
pub mod kinds;
pub mod leave;
pub mod model;
pub mod store;
pub mod substitutions;
pub mod swaps;
pub mod workflow;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(leave::suggest)
        .service(substitutions::propose)
        .service(substitutions::record_offline)
        .service(substitutions::list)
        .service(substitutions::get_one)
        .service(substitutions::accept)
        .service(substitutions::decline)
        .service(substitutions::register)
        .service(substitutions::reject)
        .service(substitutions::cancel)
        .service(substitutions::acknowledge)
        .service(substitutions::void)
        .service(swaps::propose)
        .service(swaps::list)
        .service(swaps::get_one)
        .service(swaps::accept)
        .service(swaps::decline)
        .service(swaps::register)
        .service(swaps::reject)
        .service(swaps::cancel)
        .service(leave::create)
        .service(leave::list)
        .service(leave::get_one)
        .service(leave::approve)
        .service(leave::reject)
        .service(leave::cancel);
}
