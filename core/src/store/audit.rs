//! The audit log, who did what to which instance, kept after the instance
//! goes: the interface.

use super::StoreError;

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    /// Entry id. Set by the store; ignored by [`AuditStore::append_audit`].
    pub id: i64,
    /// When, RFC 3339. Set by the store; ignored by [`AuditStore::append_audit`].
    pub at: String,
    /// Who: an operator, an API token name, or `scheduler`.
    pub actor: String,
    /// The instance concerned, if any (`instance` in JSON, as in every
    /// other row that names its instance).
    #[serde(rename = "instance", alias = "instance_id")]
    pub instance_id: Option<String>,
    /// What was done, e.g. `suspend-user`, `instance-remove`.
    pub action: String,
    /// What it was done to, e.g. an account id.
    pub target: Option<String>,
    /// `ok`, `denied`, `failed`, ...
    pub outcome: String,
    /// Free-form detail (never secret values).
    pub detail: Option<String>,
}

/// Most entries [`AuditStore::audit`] returns in one call, whatever the caller
/// asks: bounds the memory one API request can make the host spend.
pub const MAX_AUDIT_LIMIT: u32 = 10_000;

/// The audit log.
pub trait AuditStore {
    /// Append an entry; returns its id.
    fn append_audit(&self, entry: &AuditEntry) -> Result<i64, StoreError>;

    /// The newest `limit` entries (at most [`MAX_AUDIT_LIMIT`]), for one
    /// instance or all, newest first.
    fn audit(&self, instance: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}
