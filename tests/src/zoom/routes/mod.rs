//! The API's endpoints and their handlers, one file per resource.

mod call;
mod endpoint;
mod groups;
mod members;
mod page;
mod report_range;
mod reports;
mod roles;
mod settings;
mod users;

pub(crate) use call::{Call, dispatch};
pub(crate) use endpoint::{RouteError, resolve};
