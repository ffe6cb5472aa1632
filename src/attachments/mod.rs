//! Attachments, one way for the whole service: `POST /attachments` stores a raw JPEG, PNG or PDF
//! (type decided from the bytes, [`kind`]) in PostgreSQL, sealed; records (inspection findings,
//! rectification answers, later citizens' requests) reference them by id ([`attach`]); `GET
//! /attachments/{id}` serves the bytes only to whoever may see a record referencing them
//! ([`access`]), or to the uploader while nothing references them. The portal may upload for a
//! citizen's request and attach its own fresh uploads ([`attach_portal`]), never download. Every
//! file's bytes are encrypted at rest ([`sealed`]).

pub mod access;
pub mod api;
pub mod kind;
pub mod model;
pub mod sealed;
pub mod store;

pub use api::{attach, attach_portal};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::upload).service(api::download);
}
