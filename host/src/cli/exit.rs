//! Exit codes by blame, so scripts can tell whose move it is.

use plugboard_core::Blame;
use plugboard_core::secrets::SecretError;
use plugboard_core::store::StoreError;

use crate::governance::GovernanceError;
use crate::home::HomeError;
use crate::instance::InstanceError;
use crate::manifest::ManifestError;
use crate::registry::RegistryError;
use crate::runtime::{CallError, RuntimeError};
use crate::scan::ScanError;

/// Who is to blame for `e`, from the first typed error in its chain.
pub fn blame_of(e: &anyhow::Error) -> Option<Blame> {
    e.chain().find_map(|c| {
        macro_rules! try_type {
            ($($t:ty),*) => {$(
                if let Some(x) = c.downcast_ref::<$t>() {
                    return Some(x.blame());
                }
            )*};
        }
        try_type!(
            ScanError,
            RegistryError,
            InstanceError,
            GovernanceError,
            HomeError,
            ManifestError,
            RuntimeError,
            CallError,
            StoreError,
            SecretError
        );
        None
    })
}

/// The process exit code for a failure: 2 operator, 3 upstream, 4 plugin,
/// 1 host or unknown.
pub fn exit_code(blame: Option<Blame>) -> u8 {
    match blame {
        Some(Blame::Operator) => 2,
        Some(Blame::Upstream) => 3,
        Some(Blame::Plugin) => 4,
        Some(Blame::Host) | None => 1,
    }
}
