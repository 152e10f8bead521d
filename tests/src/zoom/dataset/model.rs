//! The simulated account's data: users, groups, roles and audit events.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::macros::format_description;

/// A user's account status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UserStatus {
    /// Can sign in.
    Active,
    /// Deactivated by an admin.
    Inactive,
    /// Invited, has not accepted yet.
    Pending,
}

impl UserStatus {
    /// Zoom's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
            UserStatus::Pending => "pending",
        }
    }

    /// Parses Zoom's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "inactive" => Some(UserStatus::Inactive),
            "pending" => Some(UserStatus::Pending),
            _ => None,
        }
    }
}

/// One user as generated (the status can change later; see `SimState::statuses`).
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    /// 1 Basic, 2 Licensed, 4 Unassigned without Meetings Basic.
    pub user_type: u8,
    pub initial_status: UserStatus,
    pub pmi: u64,
    pub timezone: &'static str,
    pub dept: &'static str,
    pub job_title: &'static str,
    pub language: &'static str,
    pub created_at: OffsetDateTime,
    pub last_login_time: Option<OffsetDateTime>,
    pub last_client_version: Option<String>,
    /// Index into `Dataset::roles`.
    pub role: usize,
    /// Indices into `Dataset::groups`, ascending.
    pub groups: Vec<usize>,
    pub verified: bool,
}

/// A group and its members (user indices, ascending).
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub name: &'static str,
    pub members: Vec<usize>,
}

/// A role and its members (user indices, ascending).
#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub id: String,
    pub name: &'static str,
    pub description: &'static str,
    pub members: Vec<usize>,
}

/// Index of the Member role, the one that is not privileged.
pub(crate) const MEMBER_ROLE: usize = 2;

/// A sign-in or sign-out event.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub email: String,
    pub time: OffsetDateTime,
    pub sign_in: bool,
    pub ip_address: String,
    pub client_type: &'static str,
    pub version: &'static str,
}

/// An admin operation-log entry.
#[derive(Debug, Clone)]
pub(crate) struct OperationLog {
    pub time: OffsetDateTime,
    pub operator: String,
    /// As shown in the report, e.g. "User Settings".
    pub category_type: &'static str,
    pub action: &'static str,
    pub operation_detail: String,
}

/// The whole generated account. Events are sorted newest first.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub activities: Vec<Activity>,
    pub operation_logs: Vec<OperationLog>,
    pub by_id: HashMap<String, usize>,
    pub by_email: HashMap<String, usize>,
}

impl Dataset {
    /// Finds a user by id or (case-insensitive) email; `me` is the account owner.
    pub fn find_user(&self, key: &str) -> Option<usize> {
        if key == "me" {
            return self.roles.first().and_then(|r| r.members.first().copied());
        }
        self.by_id
            .get(key)
            .or_else(|| self.by_email.get(&key.to_ascii_lowercase()))
            .copied()
    }
}

/// Formats a time as Zoom does: `2019-08-21T05:59:59Z`.
pub(crate) fn zoom_time(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&format).unwrap_or_default()
}
