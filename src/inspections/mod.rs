//! Inspections on the hall floor (R4.1, R5): a supervisor on duty records findings about one
//! window staff member or the hall as a whole, in the seven categories, with optional photos
//! ([`crate::attachments`]) and an optional rectification requirement (整改, R25: a deadline in
//! working days, see [`deadline`]; the rectification itself is [`crate::rectifications`]).
//!
//! Who sees what ([`access`]): office admins, auditors and supervisors see every finding of the
//! center; window staff only the findings about themselves (another's is 404).

pub mod access;
pub mod api;
pub mod deadline;
pub mod model;
pub mod reads;
pub mod rules;
pub mod store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create)
        .service(reads::list)
        .service(reads::get_one);
}
