//! Contract `plugboard:connector@0.2.0`, the newest: generated bindings, the
//! export calls and the conversions of its types into domain types. The host
//! side of its imports is written once, in `host.rs`, and older contracts
//! forward to it.

use plugboard_core::model::{
    Ability, Account, AccountInfo, AccountStatus, Activity, ConnectorError, ConnectorErrorKind,
    Finding, FindingStatus, Group, GroupMember, Page, PluginInfo, Record, RoleAssignment, Severity,
    StreamInfo, StreamKind,
};

/// The contract version these bindings serve.
pub const VERSION: &str = "0.2.0";

pub(super) mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "connector",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub(super) use generated::plugboard::connector as wit;

super::contract_calls!();

// ---- conversions (written once: older contracts share these types) ----

impl From<wit::types::Error> for ConnectorError {
    fn from(e: wit::types::Error) -> Self {
        use wit::types::ErrorKind as K;
        let kind = match e.kind {
            K::Auth => ConnectorErrorKind::Auth,
            K::Permission => ConnectorErrorKind::Permission,
            K::NotFound => ConnectorErrorKind::NotFound,
            K::RateLimited => ConnectorErrorKind::RateLimited,
            K::Upstream => ConnectorErrorKind::Upstream,
            K::InvalidConfig => ConnectorErrorKind::InvalidConfig,
            K::Unavailable => ConnectorErrorKind::Unavailable,
            K::Plugin => ConnectorErrorKind::Plugin,
        };
        ConnectorError {
            kind,
            message: e.message,
        }
    }
}

impl From<wit::types::Info> for PluginInfo {
    fn from(i: wit::types::Info) -> Self {
        use wit::types::Ability as A;
        PluginInfo {
            id: i.id,
            version: i.version,
            app: i.app,
            abilities: i
                .abilities
                .into_iter()
                .map(|a| match a {
                    A::AccountInfo => Ability::AccountInfo,
                    A::Users => Ability::Users,
                    A::Groups => Ability::Groups,
                    A::AdminRoles => Ability::AdminRoles,
                    A::AuditTrail => Ability::AuditTrail,
                    A::Governance => Ability::Governance,
                    A::Posture => Ability::Posture,
                    A::DataScan => Ability::DataScan,
                })
                .collect(),
            streams: i
                .streams
                .into_iter()
                .map(|s| StreamInfo {
                    name: s.name,
                    kind: match s.kind {
                        wit::types::StreamKind::Accounts => StreamKind::Accounts,
                        wit::types::StreamKind::Groups => StreamKind::Groups,
                        wit::types::StreamKind::Roles => StreamKind::Roles,
                        wit::types::StreamKind::Activities => StreamKind::Activities,
                    },
                    description: s.description,
                })
                .collect(),
            actions: i.actions,
        }
    }
}

impl From<wit::types::AccountInfo> for AccountInfo {
    fn from(a: wit::types::AccountInfo) -> Self {
        AccountInfo {
            id: a.id,
            name: a.name,
            plan: a.plan,
            owner: a.owner,
            raw: a.raw,
        }
    }
}

impl From<wit::types::Record> for Record {
    fn from(r: wit::types::Record) -> Self {
        use wit::types::Record as R;
        match r {
            R::Account(a) => Record::Account(Account {
                id: a.id,
                email: a.email,
                display_name: a.display_name,
                status: match a.status {
                    wit::types::AccountStatus::Active => AccountStatus::Active,
                    wit::types::AccountStatus::Inactive => AccountStatus::Inactive,
                    wit::types::AccountStatus::Pending => AccountStatus::Pending,
                    wit::types::AccountStatus::Unknown => AccountStatus::Unknown,
                },
                user_type: a.user_type,
                created_at: a.created_at,
                last_login_at: a.last_login_at,
                raw: a.raw,
            }),
            R::Group(g) => Record::Group(Group {
                id: g.id,
                name: g.name,
                member_count: g.member_count,
                raw: g.raw,
            }),
            R::GroupMember(m) => Record::GroupMember(GroupMember {
                group_id: m.group_id,
                account_id: m.account_id,
                email: m.email,
            }),
            R::RoleAssignment(r) => Record::RoleAssignment(RoleAssignment {
                role_id: r.role_id,
                role_name: r.role_name,
                account_id: r.account_id,
                email: r.email,
                privileged: r.privileged,
                raw: r.raw,
            }),
            R::Activity(a) => Record::Activity(Activity {
                id: a.id,
                occurred_at: a.occurred_at,
                actor: a.actor,
                actor_ip: a.actor_ip,
                action: a.action,
                category: a.category,
                target: a.target,
                outcome: a.outcome,
                raw: a.raw,
            }),
        }
    }
}

impl From<wit::types::Page> for Page {
    fn from(p: wit::types::Page) -> Self {
        Page {
            records: p.records.into_iter().map(Into::into).collect(),
            cursor: p.cursor,
            more: p.more,
        }
    }
}

impl From<wit::types::Finding> for Finding {
    fn from(f: wit::types::Finding) -> Self {
        use wit::types::{FindingStatus as S, Severity as V};
        Finding {
            id: f.id,
            title: f.title,
            severity: match f.severity {
                V::Info => Severity::Info,
                V::Low => Severity::Low,
                V::Medium => Severity::Medium,
                V::High => Severity::High,
                V::Critical => Severity::Critical,
            },
            status: match f.status {
                S::Pass => FindingStatus::Pass,
                S::Fail => FindingStatus::Fail,
                S::Partial => FindingStatus::Partial,
                S::Unknown => FindingStatus::Unknown,
            },
            evidence: f.evidence,
            remediation: f.remediation,
        }
    }
}
