//! Ratings (好差评, R21) of citizens' requests and window services on the national five-level
//! scale, submitted by the regional portal ([`submit::create`]) or through a one-time link staff
//! hand out ([`links`], [`submit::by_link`]); and the follow-up (回访整改) a bad rating opens,
//! on the shared request lifecycle ([`follow_up`], [`moves`]). Reads in [`read`].

pub mod follow_up;
pub mod links;
pub mod model;
pub mod moves;
pub mod rate;
pub mod read;
pub mod store;
pub mod submit;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit::by_link)
        .service(submit::create)
        .service(read::list)
        .service(links::create)
        .service(read::list_follow_ups)
        .service(read::get_follow_up)
        .service(moves::assign)
        .service(moves::call_back)
        .service(moves::rectify)
        .service(moves::close);
}
