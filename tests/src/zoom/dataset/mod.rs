//! The simulated account's data, generated deterministically from a seed.

mod events;
mod generate;
mod model;
mod people;
mod rng;
mod summary;

pub(crate) use generate::{DatasetSpec, generate};
pub(crate) use model::{Dataset, User, UserStatus, zoom_time};
pub use summary::DatasetSummary;
