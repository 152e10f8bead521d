//! The domain model: what plugins return and what the store keeps.
//!
//! These mirror the WIT contract's records but belong to the host, so a new
//! contract version only adds conversions in the runtime, never changes here.

use serde::{Deserialize, Serialize};

use crate::Blame;

/// Lifecycle state of an account upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountStatus {
    /// Can sign in.
    Active,
    /// Deactivated or disabled.
    Inactive,
    /// Invited, not yet activated.
    Pending,
    /// The app did not say.
    Unknown,
}

impl AccountStatus {
    /// Stable lower-case label, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Inactive => "inactive",
            AccountStatus::Pending => "pending",
            AccountStatus::Unknown => "unknown",
        }
    }

    /// Parse a stored label; anything unrecognised is `Unknown`.
    pub fn from_label(label: &str) -> Self {
        match label {
            "active" => AccountStatus::Active,
            "inactive" => AccountStatus::Inactive,
            "pending" => AccountStatus::Pending,
            _ => AccountStatus::Unknown,
        }
    }
}

/// A user, guest or service principal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Upstream id, unique within the instance.
    pub id: String,
    /// Email or user principal name.
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// Lifecycle state.
    pub status: AccountStatus,
    /// Upstream user type as the app names it.
    pub user_type: Option<String>,
    /// Creation time, RFC 3339.
    pub created_at: Option<String>,
    /// Last sign-in time, RFC 3339.
    pub last_login_at: Option<String>,
    /// App-specific extras, a JSON object as text.
    pub raw: String,
}

/// A group of accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Upstream id, unique within the instance.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Member count reported upstream.
    pub member_count: Option<u32>,
    /// App-specific extras, a JSON object as text.
    pub raw: String,
}

/// One account's membership of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    /// The group's id.
    pub group_id: String,
    /// The member account's id.
    pub account_id: String,
    /// The member's email, if known.
    pub email: Option<String>,
}

/// One account holding one role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The role's upstream id.
    pub role_id: String,
    /// The role's name.
    pub role_name: String,
    /// The account holding the role.
    pub account_id: String,
    /// The account's email, if known.
    pub email: Option<String>,
    /// True when the role grants administrative power.
    pub privileged: bool,
    /// App-specific extras, a JSON object as text.
    pub raw: String,
}

/// One audit-trail event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Stable id; activities de-duplicate on it.
    pub id: String,
    /// When it happened, RFC 3339 UTC.
    pub occurred_at: String,
    /// Who did it.
    pub actor: Option<String>,
    /// The actor's IP address.
    pub actor_ip: Option<String>,
    /// What was done.
    pub action: String,
    /// Category (`sign-in`, `admin-operation`, `management`, ...).
    pub category: String,
    /// What it was done to.
    pub target: Option<String>,
    pub outcome: Option<String>,
    /// App-specific extras, a JSON object as text.
    pub raw: String,
}

/// A typed record from one page of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Record {
    Account(Account),
    Group(Group),
    /// A group membership.
    GroupMember(GroupMember),
    RoleAssignment(RoleAssignment),
    /// An audit event.
    Activity(Activity),
}

/// One page of a stream, validated by the host.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub records: Vec<Record>,
    /// With `more`, the cursor of the next page; without, where the next
    /// incremental run starts (`None` = from the beginning).
    pub cursor: Option<String>,
    /// True when the stream has more pages now.
    pub more: bool,
}

impl Record {
    /// Bytes of text this record stores (every string field, `raw` included):
    /// what the write caps count.
    pub fn text_bytes(&self) -> u64 {
        let o = |v: &Option<String>| v.as_ref().map_or(0, String::len);
        let n = match self {
            Record::Account(a) => {
                a.id.len()
                    + o(&a.email)
                    + o(&a.display_name)
                    + o(&a.user_type)
                    + o(&a.created_at)
                    + o(&a.last_login_at)
                    + a.raw.len()
            }
            Record::Group(g) => g.id.len() + g.name.len() + g.raw.len(),
            Record::GroupMember(m) => m.group_id.len() + m.account_id.len() + o(&m.email),
            Record::RoleAssignment(r) => {
                r.role_id.len() + r.role_name.len() + r.account_id.len() + o(&r.email) + r.raw.len()
            }
            Record::Activity(a) => {
                a.id.len()
                    + a.occurred_at.len()
                    + o(&a.actor)
                    + o(&a.actor_ip)
                    + a.action.len()
                    + a.category.len()
                    + o(&a.target)
                    + o(&a.outcome)
                    + a.raw.len()
            }
        };
        n as u64
    }
}

impl Page {
    /// Bytes of text the page's records store.
    pub fn text_bytes(&self) -> u64 {
        self.records.iter().map(Record::text_bytes).sum()
    }
}

/// What kind of records a stream yields; sets the sync order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamKind {
    /// Accounts (synced first).
    Accounts,
    /// Groups and memberships.
    Groups,
    /// Role assignments.
    Roles,
    /// Audit events (synced last).
    Activities,
}

/// A stream a plugin can sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Stable name; the checkpoint key.
    pub name: String,
    /// What it yields.
    pub kind: StreamKind,
    /// One line for operators.
    pub description: String,
}

/// What a connector can do, one column of `plugboard matrix` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ability {
    /// Account or tenant facts.
    AccountInfo,
    Users,
    Groups,
    AdminRoles,
    AuditTrail,
    /// Governance actions.
    Governance,
    /// Security posture.
    Posture,
    /// Data scanning.
    DataScan,
}

/// What a plugin's `describe` says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Plugin id.
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// The app it connects to.
    pub app: String,
    /// Supported abilities.
    pub abilities: Vec<Ability>,
    /// Streams in sync order.
    pub streams: Vec<StreamInfo>,
    /// Governance actions it implements.
    pub actions: Vec<String>,
}

/// Facts about the upstream account or tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// Upstream account or tenant id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Plan or licence tier.
    pub plan: Option<String>,
    /// Owner's email.
    pub owner: Option<String>,
    /// App-specific extras, JSON text.
    pub raw: String,
}

/// Severity of a failed finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Informational.
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Stable lower-case label, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parse a stored label; `None` when it is not one of [`Severity::as_str`]'s.
    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// Outcome of one posture check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    /// The check passed.
    Pass,
    /// The check failed.
    Fail,
    /// Partly compliant.
    Partial,
    /// Could not be decided.
    Unknown,
}

impl FindingStatus {
    /// Stable lower-case label, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Pass => "pass",
            FindingStatus::Fail => "fail",
            FindingStatus::Partial => "partial",
            FindingStatus::Unknown => "unknown",
        }
    }

    /// Parse a stored label; anything unrecognised is `Unknown`.
    pub fn from_label(label: &str) -> Self {
        match label {
            "pass" => FindingStatus::Pass,
            "fail" => FindingStatus::Fail,
            "partial" => FindingStatus::Partial,
            _ => FindingStatus::Unknown,
        }
    }
}

/// A security posture finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable check id.
    pub id: String,
    /// One line title.
    pub title: String,
    /// Severity when failing.
    pub severity: Severity,
    /// Pass, fail, partial or unknown.
    pub status: FindingStatus,
    /// The observed values.
    pub evidence: String,
    /// What to change.
    pub remediation: String,
}

/// The error kinds a plugin can report, from the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectorErrorKind {
    /// Credentials wrong, expired, or consent missing.
    Auth,
    /// Valid credentials lacking a permission.
    Permission,
    /// Object does not exist upstream.
    NotFound,
    /// Throttled and retries ran out.
    RateLimited,
    /// Upstream failure.
    Upstream,
    /// Instance configuration is wrong.
    InvalidConfig,
    /// Tenant lacks the licence for this data.
    Unavailable,
    /// A bug in the plugin.
    Plugin,
}

impl ConnectorErrorKind {
    /// Stable label.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorErrorKind::Auth => "auth",
            ConnectorErrorKind::Permission => "permission",
            ConnectorErrorKind::NotFound => "not-found",
            ConnectorErrorKind::RateLimited => "rate-limited",
            ConnectorErrorKind::Upstream => "upstream",
            ConnectorErrorKind::InvalidConfig => "invalid-config",
            ConnectorErrorKind::Unavailable => "unavailable",
            ConnectorErrorKind::Plugin => "plugin",
        }
    }

    /// Who must act on an error of this kind.
    pub fn blame(self) -> Blame {
        match self {
            ConnectorErrorKind::Auth
            | ConnectorErrorKind::Permission
            | ConnectorErrorKind::InvalidConfig => Blame::Operator,
            ConnectorErrorKind::NotFound
            | ConnectorErrorKind::RateLimited
            | ConnectorErrorKind::Upstream
            | ConnectorErrorKind::Unavailable => Blame::Upstream,
            ConnectorErrorKind::Plugin => Blame::Plugin,
        }
    }
}

/// An error a plugin returned from one of its exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}", kind = kind.as_str())]
pub struct ConnectorError {
    /// The contract's error kind.
    pub kind: ConnectorErrorKind,
    /// The plugin's explanation.
    pub message: String,
}
