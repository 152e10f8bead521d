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
use crate::manifest::{AuthProfile, BucketSpec, Manifest, Method, Quota, UrlPrefix, ValueRef};

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
    /// A URL prefix a secret may be attached to as a header
    /// (`api_key to https://api.example.com/`).
    SecretTo(String),
    /// A rate bucket the host paces requests through.
    RateBucket(String),
    /// A rate bucket that paces less (a higher quota, a removed limit, a new
    /// partition) or classifies other requests than before.
    RateBucketChange(String),
    /// A config field that decides where credentials go or which plan paces
    /// requests, with a new default or choices.
    ConfigDefault(String),
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
            Capability::SecretTo(s) => write!(f, "secret {s}"),
            Capability::RateBucket(b) => write!(f, "rate bucket {b}"),
            Capability::RateBucketChange(b) => write!(f, "rate bucket {b}"),
            Capability::ConfigDefault(c) => write!(f, "setting {c}"),
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

/// Every (secret, destination) pair of `m`.
fn secret_pairs(m: &Manifest) -> Vec<(&str, &UrlPrefix)> {
    m.secrets
        .iter()
        .flat_map(|s| s.send_to.iter().map(move |p| (s.name.as_str(), p)))
        .collect()
}

/// Destinations of `wanted` that no destination of the same secret in
/// `have` contains.
fn uncovered_secrets(
    have: &[(&str, &UrlPrefix)],
    wanted: &[(&str, &UrlPrefix)],
) -> Vec<Capability> {
    wanted
        .iter()
        .filter(|(n, p)| !have.iter().any(|(hn, hp)| hn == n && hp.contains(p)))
        .map(|(n, p)| Capability::SecretTo(format!("{n} to {p}")))
        .collect()
}

/// The text of a quota, for messages.
fn quota_text(q: Option<&Quota>) -> String {
    let Some(q) = q else {
        return "unlimited".into();
    };
    let mut parts = Vec::new();
    if let Some(v) = q.per_second {
        parts.push(format!("{v}/s"));
    }
    if let Some(v) = q.per_minute {
        parts.push(format!("{v}/min"));
    }
    if let Some(v) = q.per_day {
        parts.push(format!("{v}/day"));
    }
    if let Some(v) = q.burst {
        parts.push(format!("burst {v}"));
    }
    parts.join(", ")
}

/// Whether `new` lets more requests through than `old`: a higher rate,
/// daily cap or burst, or a limit that is gone.
fn raises(old: Option<&Quota>, new: Option<&Quota>) -> bool {
    let Some(old) = old else {
        return false;
    };
    let Some(new) = new else {
        return true;
    };
    let more_f = |o: Option<f64>, n: Option<f64>| o.is_some_and(|o| n.is_none_or(|n| n > o));
    let more_u = |o: Option<u64>, n: Option<u64>| o.is_some_and(|o| n.is_none_or(|n| n > o));
    more_f(old.per_second, new.per_second)
        || more_f(old.per_minute, new.per_minute)
        || more_u(old.per_day, new.per_day)
        || new.burst.unwrap_or(1) > old.burst.unwrap_or(1)
}

/// Config fields whose value decides where secrets go or how requests are
/// paced: those an auth profile reads (token URL, inputs) and the plan field.
fn deciding_config(m: &Manifest) -> BTreeSet<&str> {
    m.auth
        .iter()
        .flat_map(|p| p.config_refs())
        .chain(m.ratelimit.plan_config.as_deref())
        .collect()
}

/// A deciding config field whose default or choices changed: an instance
/// that never set it would send its credentials elsewhere, or be paced by
/// another plan, under the same manifest text.
fn config_changes(previous: &Manifest, new: &Manifest) -> Vec<Capability> {
    deciding_config(new)
        .into_iter()
        .filter_map(|name| {
            let now = new.config_field(name)?;
            let before = previous.config_field(name);
            let same = before.is_some_and(|b| b.default == now.default && b.choices == now.choices);
            (!same).then(|| {
                Capability::ConfigDefault(format!(
                    "{name}: default {:?}, choices [{}] (was {})",
                    now.default.as_deref().unwrap_or(""),
                    now.choices.join(", "),
                    before.map_or("not deciding".to_string(), |b| format!(
                        "default {:?}, choices [{}]",
                        b.default.as_deref().unwrap_or(""),
                        b.choices.join(", ")
                    ))
                ))
            })
        })
        .collect()
}

/// How each bucket of `new` that `previous` also has paces less or
/// classifies other requests; buckets removed or reordered (the first
/// matching bucket wins, so either moves requests to another quota); a plan
/// taken from another setting.
fn bucket_changes(previous: &Manifest, new: &Manifest) -> Vec<Capability> {
    let mut out = Vec::new();
    if previous.ratelimit.plan_config != new.ratelimit.plan_config {
        out.push(Capability::RateBucketChange(format!(
            "plan taken from {} (was {})",
            new.ratelimit
                .plan_config
                .as_deref()
                .map_or("no setting".into(), |c| format!("config `{c}`")),
            previous
                .ratelimit
                .plan_config
                .as_deref()
                .map_or("no setting".into(), |c| format!("config `{c}`")),
        )));
    }
    let names = |m: &Manifest, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        m.ratelimit
            .buckets
            .iter()
            .map(|b| b.name.clone())
            .filter(|n| keep(n))
            .collect()
    };
    let in_new = |n: &str| new.ratelimit.buckets.iter().any(|b| b.name == n);
    let in_old = |n: &str| previous.ratelimit.buckets.iter().any(|b| b.name == n);
    let (old_order, new_order) = (names(previous, &in_new), names(new, &in_old));
    if old_order != new_order {
        out.push(Capability::RateBucketChange(format!(
            "order {} (was {})",
            new_order.join(", "),
            old_order.join(", ")
        )));
    }
    for gone in names(previous, &|n| !in_new(n)) {
        out.push(Capability::RateBucketChange(format!(
            "{gone}: removed, so its requests are paced by another bucket"
        )));
    }
    for b in &new.ratelimit.buckets {
        let Some(old) = previous.ratelimit.buckets.iter().find(|o| o.name == b.name) else {
            continue;
        };
        let matchers = |s: &BucketSpec| {
            s.matchers
                .iter()
                .map(|m| {
                    let methods: Vec<&str> = m.methods.iter().map(|m| m.as_str()).collect();
                    match methods.is_empty() {
                        true => m.path.text.clone(),
                        false => format!("{} {}", methods.join(","), m.path.text),
                    }
                })
                .collect::<Vec<_>>()
        };
        if matchers(b) != matchers(old) {
            out.push(Capability::RateBucketChange(format!(
                "{}: matches {} (was {})",
                b.name,
                matchers(b).join("; "),
                matchers(old).join("; ")
            )));
        }
        if b.partition != old.partition {
            out.push(Capability::RateBucketChange(format!(
                "{}: partition {:?} (was {:?})",
                b.name, b.partition, old.partition
            )));
        }
        // Every plan either names, plus "no plan" (which falls back to
        // `default` or the only quota) unless `default` is named anyway.
        let mut plans: BTreeSet<Option<&str>> = b
            .quota
            .keys()
            .chain(old.quota.keys())
            .map(|k| Some(k.as_str()))
            .collect();
        if !plans.contains(&Some("default")) {
            plans.insert(None);
        }
        for plan in plans {
            let (was, now) = (old.quota_for(plan), b.quota_for(plan));
            if raises(was, now) {
                out.push(Capability::RateBucketChange(format!(
                    "{}: quota for plan {} raised to {} (was {})",
                    b.name,
                    plan.unwrap_or("default"),
                    quota_text(now),
                    quota_text(was)
                )));
            }
        }
    }
    out
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
        let (approved_to, requested_to) = (secret_pairs(previous), secret_pairs(new));
        let mut added = uncovered(&approved_net, &requested_net);
        added.extend(uncovered_secrets(&approved_to, &requested_to));
        added.extend(bucket_changes(previous, new));
        added.extend(config_changes(previous, new));
        added.extend(requested.difference(&approved).cloned());
        let mut removed = uncovered(&requested_net, &approved_net);
        removed.extend(uncovered_secrets(&requested_to, &approved_to));
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

    const ZOOM: &str = include_str!("../../testdata/zoom.toml");

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
    fn a_raised_quota_a_removed_limit_and_moved_matchers_are_new() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let bucket = |quota: &str, path: &str| {
            format!(
                "\n[[ratelimit.bucket]]\nname = \"bulk\"\n\
                 match = [{{ methods = [\"GET\"], path = \"{path}\" }}]\n\
                 quota = {quota}\n"
            )
        };
        let v1 = zoom_v2(|t| {
            t + &bucket(
                "{ default = { per_second = 2 }, pro = { per_second = 5, per_day = 100 } }",
                "/v2/bulk",
            )
        });
        let cases = [
            (
                "{ default = { per_second = 2 }, pro = { per_second = 5, per_day = 100 } }",
                "/v2/bulk",
                vec![],
            ),
            // Lower is not more.
            (
                "{ default = { per_second = 1 }, pro = { per_second = 5, per_day = 50 } }",
                "/v2/bulk",
                vec![],
            ),
            (
                "{ default = { per_second = 3 }, pro = { per_second = 5, per_day = 100 } }",
                "/v2/bulk",
                vec!["new: rate bucket bulk: quota for plan default raised to 3/s (was 2/s)"],
            ),
            (
                "{ default = { per_second = 2 }, pro = { per_second = 5 } }",
                "/v2/bulk",
                vec!["new: rate bucket bulk: quota for plan pro raised to 5/s (was 5/s, 100/day)"],
            ),
            (
                "{ default = { per_second = 2 }, pro = { per_second = 5, per_day = 100, burst = 10 } }",
                "/v2/bulk",
                vec![
                    "new: rate bucket bulk: quota for plan pro raised to 5/s, 100/day, burst 10 (was 5/s, 100/day)",
                ],
            ),
            (
                "{ default = { per_second = 2 }, pro = { per_second = 5, per_day = 100 } }",
                "/v2/*",
                vec!["new: rate bucket bulk: matches GET /v2/* (was GET /v2/bulk)"],
            ),
        ];
        let v1_grant = Grant::all_requested(&v1, "--yes");
        for (quota, path, want) in cases {
            let v2 = zoom_v2(|t| t + &bucket(quota, path));
            let e = v1_grant.expansion(&v1, &v2, false);
            assert_eq!(lines(&e), want, "{quota} {path}");
        }
        // A bucket new to the plugin is new as a whole.
        assert_eq!(
            lines(&grant.expansion(&old, &v1, false)),
            ["new: rate bucket bulk"]
        );
    }

    #[test]
    fn reordered_or_removed_buckets_a_new_plan_setting_and_new_defaults_are_new() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let light = "[[ratelimit.bucket]]\nname = \"light\"";
        let medium = "[[ratelimit.bucket]]\nname = \"medium\"";
        type Edit = Box<dyn Fn(String) -> String>;
        let cases: [(&str, Edit, &str); 4] = [
            (
                "reordered",
                Box::new(move |t: String| {
                    t.replacen(light, "[[ratelimit.bucket]]\nname = \"tmp\"", 1)
                        .replacen(medium, light, 1)
                        .replacen("[[ratelimit.bucket]]\nname = \"tmp\"", medium, 1)
                        .replacen("label = \"Light\"", "label = \"X\"", 1)
                }),
                "rate bucket order",
            ),
            (
                "removed",
                Box::new(|t: String| {
                    let start = t
                        .find("[[ratelimit.bucket]]\nname = \"heavy\"")
                        .unwrap_or(0);
                    let end = t[start..].find("\n\n").map_or(t.len(), |e| start + e);
                    format!("{}{}", &t[..start], &t[end..])
                }),
                "new: rate bucket heavy: removed, so its requests are paced by another bucket",
            ),
            (
                "plan setting",
                Box::new(|t: String| {
                    t.replace("plan_config = \"plan\"", "plan_config = \"activity_days\"")
                }),
                "new: rate bucket plan taken from config `activity_days` (was config `plan`)",
            ),
            (
                "plan default",
                Box::new(|t: String| t.replace("default = \"pro\"", "default = \"business\"")),
                "new: setting plan: default \"business\"",
            ),
        ];
        for (what, edit, want) in cases {
            let new = zoom_v2(edit);
            let e = grant.expansion(&old, &new, false);
            assert!(
                lines(&e).iter().any(|l| l.contains(want)),
                "{what}: {want:?} not in {:?}",
                lines(&e)
            );
            assert!(e.asks_for_more(), "{what}");
        }
    }

    #[test]
    fn a_secret_sent_somewhere_new_is_new() {
        let with = |send_to: &str| {
            let text = ZOOM.replace("version = \"0.1.0\"", "version = \"0.2.0\"")
                + &format!("\n[[secret]]\nname = \"webhook_token\"\nsend_to = {send_to}\n");
            Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
        };
        let old = with("[\"https://api.zoom.us/v2/webhooks/\"]");
        let grant = Grant::all_requested(&old, "--yes");
        let narrower = with("[\"https://api.zoom.us/v2/webhooks/one\"]");
        assert!(!grant.expansion(&old, &narrower, false).asks_for_more());
        let wider = with("[\"https://api.zoom.us/v2/\"]");
        let e = grant.expansion(&old, &wider, false);
        // The old destination lies under the new one: nothing was removed.
        assert_eq!(
            lines(&e),
            ["new: secret webhook_token to https://api.zoom.us/v2/"]
        );
        let e = grant.expansion(&wider, &old, false);
        assert_eq!(
            lines(&e),
            ["removed: secret webhook_token to https://api.zoom.us/v2/"]
        );
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
