//! The duty day on the hall floor (R7): who holds the day's powers (from the roster, after
//! substitutions: [`powers`]), each supervisor's check-in ([`api`], rules in [`arrival`]) and the
//! day's hours ([`hours`]: the center's, or a date's own set by the office).
//! The day's view with its check-ins is `GET /duty-days/{date}` (in `roster::views`).

pub mod api;
pub mod arrival;
pub mod hours;
pub mod model;
pub mod powers;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::check_in)
        .service(hours::get_hours)
        .service(hours::put_hours)
        .service(hours::delete_hours);
}
