//! Behaviour tests over real HTTP against a real PostgreSQL (one fresh database per test).

mod audit;
mod auth;
mod cli;
mod helpers;
mod jwt;
mod org;
mod platform;
mod requests;
mod roster;
