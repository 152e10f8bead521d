//! What a new plugin version asks for beyond the approval of the version it
//! replaces.
//!
//! Threat: a vendor (or an attacker who took over a vendor's release) ships a
//! new version that quietly reaches a new host, sends its token somewhere
//! else or gains a governance action, and the operator's old approval would
//! cover it. Decision: every capability is compared one by one against what
//! the operator approved for the current version; anything new needs a fresh
//! approval, and only a request that asks for nothing new carries the old
//! approval over. Network rules compare per method and by coverage, so a
//! narrower prefix is not "new" but an extra method or a wider prefix is.
//! An auth profile is compared by everything that decides where secrets go
//! and where the token goes, not by its name alone.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::Grant;
use crate::manifest::{AuthProfile, Manifest, Method, UrlPrefix, ValueRef};

/// One capability a plugin version may be granted, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Capability {
    /// One method on one URL prefix, e.g. `GET https://api.zoom.us/v2/`.
    Network(String),
    /// A brokered auth profile, described by what decides where secrets and
    /// tokens go (token URL, inputs, audience).
    Auth(String),
    /// A secret field an instance provides.
    Secret(String),
    /// A rate bucket the host paces requests through.
    RateBucket(String),
    /// A governance action the plugin may perform.
    Action(String),
    /// `secrets.reveal`: the plugin may read raw secret values.
    RevealSecrets,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::Network(n) => write!(f, "network {n}"),
            Capability::Auth(a) => write!(f, "auth {a}"),
            Capability::Secret(s) => write!(f, "secret {s}"),
            Capability::RateBucket(b) => write!(f, "rate bucket {b}"),
            Capability::Action(a) => write!(f, "action {a}"),
            Capability::RevealSecrets => {
                f.write_str("secrets.reveal (the plugin may read raw secret values)")
            }
        }
    }
}

/// How a new version's request differs from the previous version's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expansion {
    /// The version whose approval is compared against.
    pub previous_version: String,
    /// Requested now and not covered by the previous approval.
    pub added: Vec<Capability>,
    /// Approved before and no longer requested (or no longer covered).
    pub removed: Vec<Capability>,
}

impl Expansion {
    /// Whether the new version asks for anything the operator has not approved.
    pub fn asks_for_more(&self) -> bool {
        !self.added.is_empty()
    }

    /// One line per difference: `new: network POST https://…`,
    /// `removed: action suspend-user`.
    pub fn lines(&self) -> Vec<String> {
        self.added
            .iter()
            .map(|c| format!("new: {c}"))
            .chain(self.removed.iter().map(|c| format!("removed: {c}")))
            .collect()
    }
}

fn value_text(v: &ValueRef) -> String {
    match v {
        ValueRef::Literal(s) => format!("{s:?}"),
        ValueRef::Config(n) => format!("config:{n}"),
        ValueRef::Secret(n) => format!("secret:{n}"),
    }
}

/// The comparison key of an auth profile: its name plus everything that
/// decides which secrets are sent where and who receives the token.
fn auth_text(p: &AuthProfile) -> String {
    let mut inputs = vec![
        format!("client id {}", value_text(&p.client_id)),
        format!("client secret {}", value_text(&p.client_secret)),
    ];
    inputs.extend(
        p.params
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v))),
    );
    let audience: Vec<String> = p.audience.iter().map(ToString::to_string).collect();
    format!(
        "`{}`: {} grant at {} ({:?} client auth, params in {:?}; {}), token sent to {}",
        p.name,
        p.grant_type,
        p.token_url.text,
        p.client_auth,
        p.params_in,
        inputs.join(", "),
        audience.join(", ")
    )
}

/// Every (method, prefix) pair of `rules`.
fn network_pairs<'a>(
    rules: impl Iterator<Item = &'a crate::manifest::EgressRule>,
) -> Vec<(Method, &'a UrlPrefix)> {
    let mut out: Vec<(Method, &UrlPrefix)> = rules
        .flat_map(|r| r.methods.iter().map(move |m| (*m, &r.prefix)))
        .collect();
    out.sort_by(|a, b| (a.0, &a.1.text).cmp(&(b.0, &b.1.text)));
    out.dedup_by(|a, b| a.0 == b.0 && a.1.text == b.1.text);
    out
}

/// Pairs of `wanted` that no pair of `have` covers (same method, containing prefix).
fn uncovered(have: &[(Method, &UrlPrefix)], wanted: &[(Method, &UrlPrefix)]) -> Vec<Capability> {
    wanted
        .iter()
        .filter(|(m, p)| !have.iter().any(|(hm, hp)| hm == m && hp.contains(p)))
        .map(|(m, p)| Capability::Network(format!("{m} {p}")))
        .collect()
}

/// The non-network capabilities of `m` that `keep` lets through, plus reveal.
fn others(
    m: &Manifest,
    reveal: bool,
    keep_auth: impl Fn(&str) -> bool,
    keep_action: impl Fn(&str) -> bool,
) -> BTreeSet<Capability> {
    let mut out = BTreeSet::new();
    out.extend(
        m.auth
            .iter()
            .filter(|a| keep_auth(&a.name))
            .map(|a| Capability::Auth(auth_text(a))),
    );
    out.extend(m.secrets.iter().map(|s| Capability::Secret(s.name.clone())));
    out.extend(
        m.ratelimit
            .buckets
            .iter()
            .map(|b| Capability::RateBucket(b.name.clone())),
    );
    out.extend(
        m.actions
            .iter()
            .filter(|a| keep_action(&a.name))
            .map(|a| Capability::Action(a.name.clone())),
    );
    if reveal {
        out.insert(Capability::RevealSecrets);
    }
    out
}

impl Grant {
    /// What `new` (granted `secrets.reveal` when `reveal`) asks for beyond
    /// this grant, which the operator gave to `previous` (the manifest of the
    /// version it replaces), and what it no longer asks for.
    ///
    /// Egress, auth profiles and actions count only as far as this grant
    /// approved them; secrets and rate buckets come from `previous` (every
    /// approval covers all of them).
    pub fn expansion(&self, previous: &Manifest, new: &Manifest, reveal: bool) -> Expansion {
        let approved_net = network_pairs(
            previous
                .egress
                .iter()
                .filter(|e| self.egress.contains(&e.to_string())),
        );
        let requested_net = network_pairs(new.egress.iter());
        let approved = others(
            previous,
            self.reveal_secrets,
            |a| self.auth.iter().any(|g| g == a),
            |a| self.actions.iter().any(|g| g == a),
        );
        let requested = others(new, reveal, |_| true, |_| true);
        let mut added = uncovered(&approved_net, &requested_net);
        added.extend(requested.difference(&approved).cloned());
        let mut removed = uncovered(&requested_net, &approved_net);
        removed.extend(approved.difference(&requested).cloned());
        added.sort();
        removed.sort();
        Expansion {
            previous_version: previous.version.clone(),
            added,
            removed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZOOM: &str = include_str!("../../../plugins/zoom/plugin.toml");

    fn zoom() -> Manifest {
        Manifest::parse(ZOOM).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The Zoom manifest at version 0.2.0 with `edit` applied to its text.
    fn zoom_v2(edit: impl FnOnce(String) -> String) -> Manifest {
        let text = edit(ZOOM.replace("version = \"0.1.0\"", "version = \"0.2.0\""));
        Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn lines(e: &Expansion) -> Vec<String> {
        e.lines()
    }

    #[test]
    fn the_same_request_asks_for_nothing_new() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let e = grant.expansion(&old, &zoom_v2(|t| t), false);
        assert!(!e.asks_for_more(), "{:?}", lines(&e));
        assert!(e.removed.is_empty(), "{:?}", lines(&e));
        assert_eq!(e.previous_version, "0.1.0");
    }

    #[test]
    fn a_new_host_a_new_method_and_a_wider_prefix_are_new() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let new = zoom_v2(|t| {
            t.replace(
                "url = \"https://api.zoom.us/v2/\"\nmethods = [\"GET\", \"PUT\"]",
                "url = \"https://api.zoom.us/\"\nmethods = [\"GET\", \"PUT\", \"DELETE\"]",
            ) + "\n[[egress]]\nurl = \"https://files.example.com/upload/\"\nmethods = [\"GET\"]\n"
        });
        let e = grant.expansion(&old, &new, false);
        assert_eq!(
            lines(&e),
            [
                "new: network DELETE https://api.zoom.us/",
                "new: network GET https://api.zoom.us/",
                "new: network GET https://files.example.com/upload/",
                "new: network PUT https://api.zoom.us/",
            ]
        );
        // The old prefix lies under the wider new one: nothing was removed.
        assert!(e.removed.is_empty(), "{:?}", e.removed);
        assert!(e.asks_for_more());
    }

    #[test]
    fn a_narrower_prefix_or_fewer_methods_ask_for_nothing_new() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let new = zoom_v2(|t| {
            t.replace(
                "url = \"https://api.zoom.us/v2/\"\nmethods = [\"GET\", \"PUT\"]",
                "url = \"https://api.zoom.us/v2/users\"\nmethods = [\"GET\"]",
            )
        });
        let e = grant.expansion(&old, &new, false);
        assert!(!e.asks_for_more(), "{:?}", lines(&e));
        assert_eq!(
            lines(&e),
            [
                "removed: network GET https://api.zoom.us/v2/",
                "removed: network PUT https://api.zoom.us/v2/",
            ]
        );
    }

    #[test]
    fn new_secrets_buckets_and_actions_are_new_and_dropped_ones_are_removed() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let new = zoom_v2(|t| {
            t.replace("name = \"reactivate-user\"", "name = \"delete-user\"")
                + "\n[[secret]]\nname = \"webhook_token\"\ndescription = \"x\"\n\
                   \n[[ratelimit.bucket]]\nname = \"bulk\"\nlabel = \"Bulk\"\n\
                   match = [{ methods = [\"GET\"], path = \"/v2/bulk\" }]\n\
                   quota = { default = { per_second = 1 } }\n"
        });
        let e = grant.expansion(&old, &new, false);
        assert_eq!(
            lines(&e),
            [
                "new: secret webhook_token",
                "new: rate bucket bulk",
                "new: action delete-user",
                "removed: action reactivate-user",
            ]
        );
    }

    #[test]
    fn an_auth_profile_that_sends_its_token_elsewhere_is_new_under_the_same_name() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let new = zoom_v2(|t| {
            t.replace(
                "audience = [\"https://api.zoom.us/\"]",
                "audience = [\"https://api.zoom.us/\", \"https://collector.example/\"]",
            )
        });
        let e = grant.expansion(&old, &new, false);
        assert_eq!(e.added.len(), 1, "{:?}", lines(&e));
        let added = e.added[0].to_string();
        assert!(added.starts_with("auth `zoom-s2s`"), "{added}");
        assert!(added.contains("https://collector.example/"), "{added}");
        assert_eq!(e.removed.len(), 1, "{:?}", lines(&e));

        // A different secret sent to the same token URL is a change too.
        let new = zoom_v2(|t| {
            t.replace(
                "params = { account_id = \"config:account_id\" }",
                "params = { account_id = \"secret:client_secret\" }",
            )
        });
        assert!(grant.expansion(&old, &new, false).asks_for_more());
    }

    #[test]
    fn reveal_is_new_unless_granted_before_and_dropping_it_is_a_removal() {
        let old = zoom();
        let mut grant = Grant::all_requested(&old, "--yes");
        let same = zoom_v2(|t| t);
        let e = grant.expansion(&old, &same, true);
        assert_eq!(
            lines(&e),
            ["new: secrets.reveal (the plugin may read raw secret values)"]
        );
        grant.reveal_secrets = true;
        assert!(!grant.expansion(&old, &same, true).asks_for_more());
        let e = grant.expansion(&old, &same, false);
        assert!(!e.asks_for_more());
        assert_eq!(e.removed, [Capability::RevealSecrets]);
    }

    #[test]
    fn only_what_the_previous_grant_approved_counts_as_approved() {
        let old = zoom();
        let mut grant = Grant::all_requested(&old, "test");
        grant.actions.retain(|a| a != "suspend-user");
        grant.egress.clear();
        let e = grant.expansion(&old, &zoom_v2(|t| t), false);
        assert_eq!(
            lines(&e),
            [
                "new: network GET https://api.zoom.us/v2/",
                "new: network PUT https://api.zoom.us/v2/",
                "new: action suspend-user",
            ]
        );
    }
}
