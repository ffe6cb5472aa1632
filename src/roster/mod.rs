//! Rotation and rosters (R1–R3, R10, R11): who is on supervisor duty when. Substitutions, swaps
//! and leave that change it are in `changes`; calendar feeds in `feeds`.

pub mod generation;
pub mod model;
pub mod queues;
pub mod reason;
pub mod replace;
pub mod rosters;
pub mod rotation;
pub mod settings;
pub mod store;
pub mod views;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(settings::get_rotation)
        .service(settings::put_rotation)
        .service(rosters::create)
        .service(rosters::list)
        .service(rosters::get_one)
        .service(rosters::delete_draft)
        .service(replace::replace)
        .service(rosters::publish_roster)
        .service(rosters::regenerate)
        .service(views::list_assignments)
        .service(views::my_next_duty)
        .service(views::duty_today)
        .service(views::duty_day)
        .service(views::statistics);
}
