//! Calendar feeds (RFC 5545) of duties: `/me/duties.ics` and `/rosters/{id}.ics`, reachable with a
//! revocable personal token for phone calendar apps; and `/me/duties`, the caller's duties as JSON.

pub mod api;
pub mod duties;
pub mod ics;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // Before the roster routes: `/rosters/{id}.ics` must win over `/rosters/{id}`.
    cfg.service(api::my_feed)
        .service(api::roster_feed)
        .service(api::create_token)
        .service(api::list_tokens)
        .service(api::revoke_token)
        .service(duties::my_duties);
}
