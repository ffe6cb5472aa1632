//! Behaviour tests over real HTTP against a real PostgreSQL (one fresh database per test).

mod audit;
mod auth;
mod calendar;
mod cli;
mod drafts;
mod duty_days;
mod feeds;
mod fixtures;
mod helpers;
mod i18n;
mod idempotency;
mod import;
mod jwt;
mod my_duties;
mod org;
mod paging;
mod platform;
mod reasons;
mod replacements;
mod requests;
mod roster;
mod schema;
mod sitins;
mod staff;
mod substitutions;
mod tick;
