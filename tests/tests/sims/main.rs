//! The simulators' own tests (Zoom, Azure, GitHub): their datasets, paging,
//! auth, limits and faults over real HTTP, and their conformance to the
//! vendors' OpenAPI descriptions. One test binary for all of them: one link
//! of the test dependencies instead of one per file.

mod raw_http;
mod sim_azure_support;
mod sim_support;

mod sim_azure;
mod sim_azure_auth;
mod sim_azure_conformance;
mod sim_azure_garbage;
mod sim_azure_limits;
mod sim_conformance;
mod sim_garbage;
mod sim_github;
mod sim_zoom;
mod sim_zoom_auth;
mod sim_zoom_consent;
mod sim_zoom_limits;
mod sim_zoom_reports;
