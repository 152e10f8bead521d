//! The capabilities with a part in approval, in the order the prompt and the
//! list of changes show them. The registry composes them; each rule lives in
//! its capability's `grant.rs`.

use crate::capabilities::grant::Unit;
use crate::capabilities::{actions, auth, config, network, ratelimit, secrets};

/// Every capability's approval unit, in order.
pub const UNITS: &[&dyn Unit] = &[
    &network::grant::Egress,
    &auth::grant::Profiles,
    &secrets::grant::Secrets,
    &ratelimit::grant::Buckets,
    &config::grant::Deciding,
    &actions::Actions,
    &secrets::grant::Reveal,
];
