//! Connector instances, an operator-named configuration of one plugin: the interface.

use super::StoreError;

/// One connector instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceRow {
    /// Operator-chosen name, e.g. `acme-zoom`.
    pub id: String,
    /// The plugin it runs (its current version).
    pub plugin_id: String,
    /// Instance configuration, JSON.
    pub config_json: String,
    /// Operator `[upstreams]` overrides, JSON.
    pub upstreams_json: String,
    /// Whether the scheduler runs it.
    pub enabled: bool,
    /// When it was added, RFC 3339. Set by the store; ignored on write.
    pub created_at: String,
    /// When it last changed, RFC 3339. Set by the store; ignored on write.
    pub updated_at: String,
}

/// Instances.
pub trait InstanceStore {
    /// Add an instance. Fails with `AlreadyExists` naming the id when taken,
    /// and `NotFound` when its plugin is not added.
    fn add_instance(&self, row: &InstanceRow) -> Result<(), StoreError>;

    /// Instance `id`, if it exists.
    fn instance(&self, id: &str) -> Result<Option<InstanceRow>, StoreError>;

    /// Every instance, by id.
    fn instances(&self) -> Result<Vec<InstanceRow>, StoreError>;

    /// Enable or disable instance `id`; its data is kept either way.
    fn set_instance_enabled(&self, id: &str, enabled: bool) -> Result<(), StoreError>;

    /// Remove instance `id` with its records, secrets, checkpoints, findings
    /// and runs (one transaction). The audit log keeps its entries.
    fn remove_instance(&self, id: &str) -> Result<(), StoreError>;
}
