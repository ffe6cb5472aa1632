//! Citizens' requests (R18-R23): consultations 咨询, complaints 投诉, requests for help 求助 and
//! suggestions 建议, recorded by staff in the hall or sent in by the regional portal; owned by
//! whoever first received them (首问负责) until handed on; due within working days (限时办结);
//! the citizen's personal data sealed ([`crate::privacy`]) and shown masked.
//!
//! The workflow: the pure state machine in [`machine`], the moves in [`moves`], the owner chain
//! and history in [`owners`], one-time notices in [`notices`].

pub mod deadline;
pub mod export;
pub mod intake;
pub mod list;
pub mod lookup;
pub mod machine;
pub mod model;
pub mod moves;
pub mod notices;
pub mod overdue;
pub mod owners;
pub mod read;
pub mod retention;
pub mod settings;
pub mod store;
pub mod visibility;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(intake::create)
        .service(lookup::lookup)
        .service(list::list)
        .service(export::download)
        .service(settings::get_settings)
        .service(settings::put_settings)
        .service(read::contact)
        .service(read::get_one)
        .service(owners::history)
        .service(notices::list)
        .service(notices::give)
        .service(moves::accept)
        .service(moves::forward)
        .service(moves::escalate)
        .service(moves::start)
        .service(moves::wait)
        .service(moves::resume)
        .service(moves::answer)
        .service(moves::close)
        .service(moves::refuse)
        .service(moves::reopen);
}
