//! Posture findings, the latest assessment per instance replaced as a whole:
//! the interface.

use super::StoreError;
use crate::model::Finding;

/// Posture findings.
pub trait FindingStore {
    /// Replace `instance`'s findings with `findings` in one transaction.
    fn replace_findings(&self, instance: &str, findings: &[Finding]) -> Result<(), StoreError>;

    /// Findings of `instance`, or of every instance, as `(instance, finding)`
    /// ordered by instance and finding id.
    fn findings(&self, instance: Option<&str>) -> Result<Vec<(String, Finding)>, StoreError>;
}
