//! The duty day on the hall floor (R7): who holds the day's powers (from the roster, after
//! substitutions: [`powers`]) and each supervisor's check-in ([`api`], rules in [`arrival`]).
//! The day's view with its check-ins is `GET /duty-days/{date}` (in `roster::views`).

pub mod api;
pub mod arrival;
pub mod hours;
pub mod model;
pub mod powers;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::check_in);
}
