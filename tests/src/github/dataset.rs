//! The organization a seed generates: members with their role, outside
//! collaborators, teams with their members, and the audit log.

use crate::common::rng::SeededRng;

/// One account (member or outside collaborator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub login: String,
    pub id: u64,
    /// `admin` (owner) or `member`; `None` for an outside collaborator.
    pub role: Option<&'static str>,
    pub two_factor: bool,
}

/// One team and its members (login, `member` | `maintainer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Team {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub members: Vec<(String, &'static str)>,
}

/// One audit-log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// Unix epoch milliseconds.
    pub created_ms: i64,
    pub document_id: String,
    pub action: &'static str,
    pub actor: String,
    pub user: Option<String>,
    pub team: Option<String>,
    pub country: &'static str,
}

/// The generated organization.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub org: String,
    pub org_id: u64,
    /// Members then outside collaborators, by login.
    pub users: Vec<User>,
    pub teams: Vec<Team>,
    /// Oldest first.
    pub events: Vec<Event>,
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec<'a> {
    pub seed: u64,
    pub org: &'a str,
    pub members: usize,
    pub owners: usize,
    pub outside_collaborators: usize,
    pub teams: usize,
    pub events: usize,
    pub event_days: u32,
    pub now_ms: i64,
}

const ACTIONS: [&str; 10] = [
    "org.add_member",
    "org.update_member",
    "org.invite_member",
    "org.add_outside_collaborator",
    "team.create",
    "team.add_member",
    "team.remove_member",
    "repo.create",
    "repo.access",
    "org.update_default_repository_permission",
];
const COUNTRIES: [&str; 4] = ["Germany", "United States", "Japan", "Brazil"];
const TEAM_NAMES: [&str; 8] = [
    "Platform", "Security", "Web", "Mobile", "Data", "Infra", "Docs", "Support",
];

/// The organization `spec` describes; the same spec gives the same data.
pub(crate) fn generate(spec: Spec<'_>) -> Dataset {
    let mut rng = SeededRng::new(spec.seed);
    let owners = spec.owners.min(spec.members);
    let mut users = Vec::new();
    for i in 0..spec.members {
        users.push(User {
            login: format!("dev-{i:04}"),
            id: 1_000_000 + i as u64,
            role: Some(if i < owners { "admin" } else { "member" }),
            two_factor: !rng.chance(15),
        });
    }
    for i in 0..spec.outside_collaborators {
        users.push(User {
            login: format!("contractor-{i:03}"),
            id: 2_000_000 + i as u64,
            role: None,
            two_factor: !rng.chance(30),
        });
    }
    let mut teams = Vec::new();
    for t in 0..spec.teams {
        let base = TEAM_NAMES
            .get(t % TEAM_NAMES.len())
            .copied()
            .unwrap_or("Team");
        let name = format!("{base} {}", t / TEAM_NAMES.len() + 1);
        let mut members = Vec::new();
        for (i, user) in users.iter().enumerate().take(spec.members) {
            if (i + t) % 3 == 0 || rng.chance(10) {
                let role = if rng.chance(20) {
                    "maintainer"
                } else {
                    "member"
                };
                members.push((user.login.clone(), role));
            }
        }
        teams.push(Team {
            id: 500 + t as u64,
            slug: name.to_ascii_lowercase().replace(' ', "-"),
            name,
            members,
        });
    }
    let span_ms = i64::from(spec.event_days.max(1)) * 86_400_000;
    let mut events: Vec<Event> = (0..spec.events)
        .map(|i| {
            let age = i64::try_from(rng.below(u64::try_from(span_ms).unwrap_or(1))).unwrap_or(0);
            let actor = users
                .get(rng.index(owners.max(1)))
                .map(|u| u.login.clone())
                .unwrap_or_else(|| "ghost".into());
            let action = rng.pick(&ACTIONS);
            let subject = users.get(rng.index(users.len())).map(|u| u.login.clone());
            Event {
                created_ms: spec.now_ms - 60_000 - age,
                document_id: format!("doc-{:016x}-{i}", rng.next_u64()),
                action,
                actor,
                user: subject.filter(|_| action.starts_with("org.") || action.starts_with("team.")),
                team: action
                    .starts_with("team.")
                    .then(|| teams.get(rng.index(teams.len())).map(|t| t.slug.clone()))
                    .flatten(),
                country: rng.pick(&COUNTRIES),
            }
        })
        .collect();
    events.sort_by(|a, b| (a.created_ms, &a.document_id).cmp(&(b.created_ms, &b.document_id)));
    Dataset {
        org: spec.org.to_owned(),
        org_id: 9_000_001,
        users,
        teams,
        events,
    }
}

/// What the organization contains, for tests to compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GithubSummary {
    /// Organization members (owners included).
    pub members: usize,
    /// Members with the `admin` role (organization owners).
    pub owners: usize,
    /// Outside collaborators.
    pub outside_collaborators: usize,
    /// Teams.
    pub teams: usize,
    /// Team memberships (a user in two teams counts twice).
    pub team_memberships: usize,
    /// Audit-log events.
    pub audit_events: usize,
    /// Members and outside collaborators without two-factor authentication.
    pub without_two_factor: usize,
}

impl GithubSummary {
    pub(crate) fn of(users: &[User], teams: &[Team], events: usize) -> Self {
        GithubSummary {
            members: users.iter().filter(|u| u.role.is_some()).count(),
            owners: users.iter().filter(|u| u.role == Some("admin")).count(),
            outside_collaborators: users.iter().filter(|u| u.role.is_none()).count(),
            teams: teams.len(),
            team_memberships: teams.iter().map(|t| t.members.len()).sum(),
            audit_events: events,
            without_two_factor: users.iter().filter(|u| !u.two_factor).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec<'static> {
        Spec {
            seed: 7,
            org: "acme",
            members: 40,
            owners: 3,
            outside_collaborators: 5,
            teams: 4,
            events: 100,
            event_days: 10,
            now_ms: 1_800_000_000_000,
        }
    }

    #[test]
    fn a_seed_gives_the_same_organization_and_counts_add_up() {
        let (a, b) = (generate(spec()), generate(spec()));
        assert_eq!(a.users, b.users);
        assert_eq!(a.events, b.events);
        let s = GithubSummary::of(&a.users, &a.teams, a.events.len());
        assert_eq!((s.members, s.owners, s.outside_collaborators), (40, 3, 5));
        assert_eq!((s.teams, s.audit_events), (4, 100));
        assert!(s.team_memberships > 0);
        assert!(
            a.events
                .windows(2)
                .all(|w| w[0].created_ms <= w[1].created_ms)
        );
        let oldest = a.events.first().map_or(0, |e| e.created_ms);
        assert!(oldest >= 1_800_000_000_000 - 10 * 86_400_000 - 60_000);
    }
}
