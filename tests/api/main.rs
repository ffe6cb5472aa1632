//! Behaviour tests over real HTTP against a real PostgreSQL (one fresh database per test).

mod audit;
mod auth;
mod calendar;
mod change_reads;
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
mod org;
mod platform;
mod requests;
mod roster;
mod schema;
mod sitins;
mod staff;
mod substitutions;
mod tick;
