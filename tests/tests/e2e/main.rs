//! End to end: the real plugins, in the real host, against the simulators —
//! scans, governance, auth profiles, consent, tenants, contracts and hostile
//! plugins. One test binary for all of them: one link of the host, the
//! runtime and the simulators instead of one per file.

mod e2e_support;

mod auth_profiles;
mod azure_governance;
mod azure_scan;
mod consent;
mod contracts;
mod github_governance;
mod github_scan;
mod hostile;
mod polyglot;
mod tenants;
mod zoom_governance;
mod zoom_scan;
