//! The APIs' endpoints and their handlers, one file per resource.

mod activity;
mod activity_filter;
mod call;
mod directory;
mod endpoint;
mod graph_paging;
mod graph_reports;
mod subscriptions;
mod users;

pub(crate) use call::{Call, dispatch};
pub(crate) use endpoint::{Endpoint, RouteError, api_of, resolve};
