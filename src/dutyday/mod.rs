//! The duty day on the hall floor (R7): who holds the day's powers (from the roster, after
//! substitutions: [`powers`]), each supervisor's check-in ([`api`], rules in [`arrival`]) and the
//! day's hours ([`hours`]: the center's, or a date's own set by the office), the door and closing
//! checks ([`doors`]).
//! Every writer of the day passes [`gate::require_writer`] (on duty, working day, the day open:
//! its instants in [`window`]); frozen records change only through [`amend`].
//! The day's handover to the next working day's duty is in [`handover`], the pending matters it
//! lists are collected in [`pending`].
//! The day's view with its check-ins and handover state is `GET /duty-days/{date}` (in
//! `roster::views`).

pub mod amend;
pub mod api;
pub mod arrival;
pub mod doors;
pub mod gate;
pub mod handover;
pub mod hours;
pub mod model;
pub mod pending;
pub mod powers;
pub mod store;
pub mod window;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::check_in)
        .service(hours::get_hours)
        .service(hours::put_hours)
        .service(hours::delete_hours)
        .service(doors::items::get_items)
        .service(doors::items::put_items)
        .service(doors::api::record)
        .service(doors::api::get_day)
        .service(doors::api::amend_check)
        .service(handover::api::make)
        .service(handover::api::replace_notes)
        .service(handover::api::confirm)
        .service(handover::read::get_one)
        .service(handover::read::get_day)
        .service(handover::read::list);
}
