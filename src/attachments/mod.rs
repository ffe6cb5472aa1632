//! Attachments, one way for the whole service: `POST /attachments` stores a raw JPEG, PNG or PDF
//! (type decided from the bytes, [`kind`]) in PostgreSQL; records (inspection findings,
//! rectification answers, later citizens' requests) reference them by id ([`attach`]); `GET
//! /attachments/{id}` serves the bytes only to whoever may see a record referencing them
//! ([`access`]), or to the uploader while nothing references them.

pub mod access;
pub mod api;
pub mod kind;
pub mod model;
pub mod store;

pub use api::attach;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::upload).service(api::download);
}
