//! The phone's inbox (`GET /me/tasks`): everything waiting on the caller, gathered from every
//! kind of record that can wait on someone ([`sources::SOURCES`]: one query each), newest
//! first, with names beside ids and remaining working days. How to add a source:
//! `docs/inbox.md`.

pub mod api;
pub mod model;
pub mod sources;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::my_tasks);
}
