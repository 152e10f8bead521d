//! The streams, in sync order; each `sync` call is one request, lists page
//! by the `Link` header (`per_page=100`). `members` reads `?role=admin` then
//! `?role=member` (the list does not say the role; owners also hold the
//! privileged admin role); `team-members` reads the teams, then each team's members;
//! `audit-log` reads day windows (`phrase=created:FROM..TO&order=asc`, pages
//! carrying `after=`): the SDK cursor keeps the last run's end and the next
//! run starts a day before it (the host de-duplicates by `_document_id`). An
//! organization without the audit log (not Enterprise Cloud) answers 404:
//! that stream is `unavailable`. Accounts are keyed by login.

use crate::client::{self, list_url};
use plugboard_sdk::json::{Int, Text, compact, item};
use plugboard_sdk::stream::{
    Catalog, Paginator, Parents, Partitions, Slice, Stream, TimeFormat, Windows,
};
use plugboard_sdk::time::{DAY_MS, format_iso};
use plugboard_sdk::{
    Account, AccountStatus, Activity, ErrorKind, Group, GroupMember, Record, RoleAssignment,
    StreamKind,
};
use serde::Deserialize;
use serde_json::value::RawValue;

pub(crate) const CATALOG: Catalog = Catalog {
    app: "GitHub",
    streams: &[&MEMBERS, &OUTSIDE, &TEAMS, &TEAM_MEMBERS, &AUDIT_LOG],
};

const MEMBERS: Stream<String> = client::stream(
    "members",
    |s| list_url(&["members"], &[("role", s.parent_str())]),
    |s, raw, out| account(raw, s.parent.map(String::as_str), out),
)
.about(
    StreamKind::Accounts,
    "Members with their role; owners hold the admin role",
)
.partitions(Partitions::List(|| vec!["admin".into(), "member".into()]));

const OUTSIDE: Stream = client::stream(
    "outside-collaborators",
    |_| list_url(&["outside_collaborators"], &[]),
    |_, raw, out| account(raw, None, out),
)
.about(StreamKind::Accounts, "Outside collaborators");

const TEAMS: Stream =
    client::stream("teams", |_| teams_url(), team).about(StreamKind::Groups, "Teams");

const TEAM_MEMBERS: Stream<String> = client::stream(
    "team-members",
    |s| list_url(&["teams", s.parent_str(), "members"], &[]),
    member,
)
.about(StreamKind::Groups, "Team members (child teams' too)")
.partitions(Partitions::Parents(Parents {
    url: teams_url,
    records: &[],
    paginator: Paginator::LinkHeader,
    map: |raw| item::<Row>(raw)?.slug.0,
    all_first: false,
    what: "teams page",
}));

const AUDIT_LOG: Stream = client::stream(
    "audit-log",
    |s| {
        let (from, to) = s
            .window
            .map_or(("", ""), |w| (w.from.as_str(), w.to.as_str()));
        let phrase = format!("created:{from}..{to}");
        list_url(&["audit-log"], &[("phrase", &phrase), ("order", "asc")])
    },
    event,
)
.about(StreamKind::Activities, "Organization audit log")
.unavailable_on(
    ErrorKind::NotFound,
    "the organization has no audit log API (GitHub Enterprise Cloud only)",
)
.windows(Windows {
    format: TimeFormat::Date,
    overlap_ms: DAY_MS,
    max_span_ms: None,
    retention_days: crate::MAX_ACTIVITY_DAYS,
});

fn teams_url() -> String {
    list_url(&["teams"], &[])
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Row {
    login: Text,
    name: Text,
    slug: Text,
    email: Text,
    #[serde(rename = "_document_id")]
    document_id: Text,
    created_at: Int,
    action: Text,
    actor: Text,
    user: Text,
    team: Text,
    repo: Text,
}

fn account(raw: &RawValue, role: Option<&str>, out: &mut Vec<Record>) {
    let Some(row) = item::<Row>(raw) else { return };
    let Some(login) = row.login.0 else { return };
    out.push(Record::Account(Account {
        display_name: row.name.0.or_else(|| Some(login.clone())),
        id: login.clone(),
        email: row.email.0,
        status: AccountStatus::Active,
        user_type: Some(match role {
            Some("admin") => "owner".into(),
            Some(role) => role.into(),
            None => "outside-collaborator".into(),
        }),
        created_at: None,
        last_login_at: None,
        raw: compact(raw),
    }));
    if role == Some("admin") {
        out.push(Record::RoleAssignment(RoleAssignment {
            role_id: "admin".into(),
            role_name: "Organization owner".into(),
            account_id: login,
            email: None,
            privileged: true,
            raw: compact(raw),
        }));
    }
}

fn team(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(row) = item::<Row>(raw) else { return };
    let Some(slug) = row.slug.0 else { return };
    out.push(Record::Group(Group {
        name: row.name.0.unwrap_or_else(|| slug.clone()),
        id: slug,
        member_count: None,
        raw: compact(raw),
    }));
}

fn member(slice: &Slice<'_, String>, raw: &RawValue, out: &mut Vec<Record>) {
    let (Some(team), Some(row)) = (slice.parent, item::<Row>(raw)) else {
        return;
    };
    let Some(login) = row.login.0 else { return };
    out.push(Record::GroupMember(GroupMember {
        group_id: team.clone(),
        account_id: login,
        email: row.email.0,
    }));
}

fn event(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(row) = item::<Row>(raw) else { return };
    let (Some(id), Some(ms)) = (row.document_id.0, row.created_at.0) else {
        return;
    };
    let action = row.action.0.unwrap_or_else(|| "unknown".into());
    out.push(Record::Activity(Activity {
        id,
        occurred_at: format_iso(u64::try_from(ms).unwrap_or(0)),
        actor: row.actor.0,
        actor_ip: None,
        category: action.split('.').next().unwrap_or("unknown").into(),
        action,
        target: row.user.0.or(row.team.0).or(row.repo.0),
        outcome: None,
        raw: compact(raw),
    }));
}

#[cfg(test)]
#[path = "streams_tests.rs"]
mod tests;
