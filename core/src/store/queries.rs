//! Read queries for the CLI and the API (accounts, activities, groups and
//! their members, role assignments, counts): the interface. Lists page with
//! a limit (capped at [`MAX_QUERY_LIMIT`]) and an offset, in an order that is
//! total and the same in both backends, so paging never skips or repeats a row.

use std::collections::BTreeMap;

use super::StoreError;
use crate::model::{Account, AccountStatus, Activity, Group, RoleAssignment};

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

/// Which groups to list. `Default`: every instance, [`DEFAULT_QUERY_LIMIT`]
/// rows from offset 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct GroupQuery {
    /// Only this instance.
    pub instance: Option<String>,
    /// At most this many rows (capped at [`MAX_QUERY_LIMIT`]).
    pub limit: u32,
    /// Skip this many rows.
    pub offset: u32,
}

impl Default for GroupQuery {
    fn default() -> Self {
        GroupQuery {
            instance: None,
            limit: DEFAULT_QUERY_LIMIT,
            offset: 0,
        }
    }
}

/// A group with where it lives and how many memberships are stored for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupRow {
    /// The instance it belongs to.
    pub instance: String,
    /// The group (`member_count` is what the app reported).
    #[serde(flatten)]
    pub group: Group,
    /// Memberships of it stored by the last scans.
    pub members: u64,
}

/// Which group memberships to list. `Default`: every instance and group,
/// [`DEFAULT_QUERY_LIMIT`] rows from offset 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MemberQuery {
    /// Only this instance.
    pub instance: Option<String>,
    /// Only members of the group with this id.
    pub group: Option<String>,
    /// Only memberships of the account with this id.
    pub account: Option<String>,
    /// At most this many rows (capped at [`MAX_QUERY_LIMIT`]).
    pub limit: u32,
    /// Skip this many rows.
    pub offset: u32,
}

impl Default for MemberQuery {
    fn default() -> Self {
        MemberQuery {
            instance: None,
            group: None,
            account: None,
            limit: DEFAULT_QUERY_LIMIT,
            offset: 0,
        }
    }
}

/// One account's membership of one group, with the names an operator reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemberRow {
    /// The instance it belongs to.
    pub instance: String,
    /// The group's id.
    pub group_id: String,
    /// The group's name, when the group itself was stored.
    pub group_name: Option<String>,
    /// The member account's id.
    pub account_id: String,
    /// The email the membership carries, else the stored account's.
    pub email: Option<String>,
}

/// Which role assignments to list. `Default`: every instance, privileged or
/// not, [`DEFAULT_QUERY_LIMIT`] rows from offset 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RoleQuery {
    /// Only this instance.
    pub instance: Option<String>,
    /// Only roles that grant administrative power.
    pub privileged_only: bool,
    /// Only roles held by the account with this id.
    pub account: Option<String>,
    /// At most this many rows (capped at [`MAX_QUERY_LIMIT`]).
    pub limit: u32,
    /// Skip this many rows.
    pub offset: u32,
}

impl Default for RoleQuery {
    fn default() -> Self {
        RoleQuery {
            instance: None,
            privileged_only: false,
            account: None,
            limit: DEFAULT_QUERY_LIMIT,
            offset: 0,
        }
    }
}

/// One account holding one role, with where it lives. `email` is the one
/// the assignment carries, else the stored account's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoleRow {
    /// The instance it belongs to.
    pub instance: String,
    #[serde(flatten)]
    pub assignment: RoleAssignment,
}

/// How much an instance (or every instance) holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceCounts {
    /// Accounts.
    pub users: u64,
    /// Accounts with status active.
    pub active_users: u64,
    pub groups: u64,
    /// Group memberships.
    pub group_members: u64,
    /// Distinct accounts holding a privileged role.
    pub admins: u64,
    pub activities: u64,
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

    /// Groups matching `q`, by instance, name and id.
    fn groups(&self, q: &GroupQuery) -> Result<Vec<GroupRow>, StoreError>;

    /// Group memberships matching `q`, by instance, group name, group id and
    /// account id.
    fn group_members(&self, q: &MemberQuery) -> Result<Vec<MemberRow>, StoreError>;

    /// Role assignments matching `q`, by instance, role name, role id and
    /// account id.
    fn role_assignments(&self, q: &RoleQuery) -> Result<Vec<RoleRow>, StoreError>;

    /// What `instance` holds, or every instance together when `None`.
    fn counts(&self, instance: Option<&str>) -> Result<InstanceCounts, StoreError>;

    /// Activities of `instance` per category (`sign-in`, `management`, ...).
    fn activity_categories(&self, instance: &str) -> Result<BTreeMap<String, u64>, StoreError>;
}
