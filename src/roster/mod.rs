//! Rotation and rosters (R1–R3, R6, R10, R11, R14): who is on supervisor duty when, and the
//! substitutions, swaps and leave that change it.

pub mod feeds;
pub mod feeds_store;
pub mod generation;
pub mod ics;
pub mod leave;
pub mod model;
pub mod queues;
pub mod requests;
pub mod requests_store;
pub mod rosters;
pub mod rotation;
pub mod settings;
pub mod store;
pub mod substitutions;
pub mod swaps;
pub mod views;
pub mod workflow;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // Feeds first: `/rosters/{id}.ics` must win over `/rosters/{id}`.
    cfg.service(feeds::my_feed)
        .service(feeds::roster_feed)
        .service(feeds::create_token)
        .service(feeds::list_tokens)
        .service(feeds::revoke_token)
        .service(settings::get_rotation)
        .service(settings::put_rotation)
        .service(rosters::create)
        .service(rosters::list)
        .service(rosters::get_one)
        .service(rosters::delete_draft)
        .service(rosters::replace)
        .service(rosters::publish_roster)
        .service(rosters::regenerate)
        .service(views::list_assignments)
        .service(views::my_duties)
        .service(views::duty_today)
        .service(views::duty_day)
        .service(views::statistics)
        .service(leave::suggest)
        .service(substitutions::propose)
        .service(substitutions::record_offline)
        .service(substitutions::list)
        .service(substitutions::get_one)
        .service(substitutions::accept)
        .service(substitutions::decline)
        .service(substitutions::register)
        .service(substitutions::reject)
        .service(substitutions::cancel)
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
