//! Door and closing checks (R7): the center's list of items ([`items`]), when each is due and
//! how a record counts ([`rules`]), recording, reading and amending a day's checks ([`api`],
//! the day's view in [`day`]).

pub mod api;
pub mod day;
pub mod items;
pub mod model;
pub mod rules;
pub mod store;
