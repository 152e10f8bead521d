//! Read queries for the CLI and the API, accounts, activities, counts: the interface.

use std::collections::BTreeMap;

use super::StoreError;
use crate::model::{Account, AccountStatus, Activity};

/// Rows a query returns when the caller does not say.
pub const DEFAULT_QUERY_LIMIT: u32 = 100;

/// Most rows one query returns, whatever the caller asks: bounds the memory
/// one API request can make the host spend. Page with `offset` beyond it.
pub const MAX_QUERY_LIMIT: u32 = 10_000;

/// Which accounts to list. `Default`: every instance, any status, admins or
/// not, [`DEFAULT_QUERY_LIMIT`] rows from offset 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AccountQuery {
    /// Only this instance.
    pub instance: Option<String>,
    /// Only this status.
    pub status: Option<AccountStatus>,
    /// Only accounts holding a privileged role.
    pub admins_only: bool,
    /// At most this many rows (capped at [`MAX_QUERY_LIMIT`]).
    pub limit: u32,
    /// Skip this many rows.
    pub offset: u32,
}

impl Default for AccountQuery {
    fn default() -> Self {
        AccountQuery {
            instance: None,
            status: None,
            admins_only: false,
            limit: DEFAULT_QUERY_LIMIT,
            offset: 0,
        }
    }
}

/// An account with where it lives and what it may do.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccountRow {
    /// The instance it belongs to.
    pub instance: String,
    /// The account.
    #[serde(flatten)]
    pub account: Account,
    /// Holds at least one privileged role assignment in that instance.
    pub is_admin: bool,
    /// Names of every role it holds there, sorted.
    pub roles: Vec<String>,
    /// First stored, RFC 3339.
    pub first_seen: String,
    /// Last seen in a scan, RFC 3339.
    pub last_seen: String,
}

/// Which activities to list. Times are RFC 3339 UTC and compare as text, so
/// give them in the same `Z` form plugins store. `Default`: everything,
/// [`DEFAULT_QUERY_LIMIT`] rows from offset 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ActivityQuery {
    /// Only this instance.
    pub instance: Option<String>,
    /// Only at or after this time.
    pub since: Option<String>,
    /// Only before this time.
    pub until: Option<String>,
    /// Only by this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// At most this many rows (capped at [`MAX_QUERY_LIMIT`]).
    pub limit: u32,
    /// Skip this many rows.
    pub offset: u32,
}

impl Default for ActivityQuery {
    fn default() -> Self {
        ActivityQuery {
            instance: None,
            since: None,
            until: None,
            actor: None,
            action: None,
            category: None,
            limit: DEFAULT_QUERY_LIMIT,
            offset: 0,
        }
    }
}

/// How much an instance (or every instance) holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceCounts {
    /// Accounts.
    pub users: u64,
    /// Accounts with status active.
    pub active_users: u64,
    /// Groups.
    pub groups: u64,
    /// Group memberships.
    pub group_members: u64,
    /// Distinct accounts holding a privileged role.
    pub admins: u64,
    /// Activities.
    pub activities: u64,
    /// Findings.
    pub findings: u64,
    /// Findings with status fail.
    pub failed_findings: u64,
}

/// Read queries.
pub trait QueryStore {
    /// Accounts matching `q`, by instance, email and id.
    fn accounts(&self, q: &AccountQuery) -> Result<Vec<AccountRow>, StoreError>;

    /// Activities matching `q` as `(instance, activity)`, newest first.
    fn activities(&self, q: &ActivityQuery) -> Result<Vec<(String, Activity)>, StoreError>;

    /// What `instance` holds, or every instance together when `None`.
    fn counts(&self, instance: Option<&str>) -> Result<InstanceCounts, StoreError>;

    /// Activities of `instance` per category (`sign-in`, `management`, ...).
    fn activity_categories(&self, instance: &str) -> Result<BTreeMap<String, u64>, StoreError>;
}
