//! What a new plugin version asks for beyond the approval of the version it
//! replaces.
//!
//! Threat: a vendor (or an attacker who took over a vendor's release) ships a
//! new version that quietly reaches a new host, sends its token somewhere
//! else or gains a governance action, and the operator's old approval would
//! cover it. Decision: every capability is compared one by one against what
//! the operator approved for the current version; anything new needs a fresh
//! approval, and only a request that asks for nothing new carries the old
//! approval over. Each capability owns its rule (`compare` of its
//! [`Unit`](crate::capabilities::grant::Unit), e.g. network rules per method
//! and by coverage, an auth profile by everything that decides where secrets
//! and the token go); this module composes them and its tests hold the
//! rules together.

use serde::Serialize;

use super::units::UNITS;
pub use crate::capabilities::grant::Capability;
use crate::capabilities::grant::Grant;
use crate::manifest::Manifest;

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

impl Expansion {
    /// What `new` (granted `secrets.reveal` when `reveal`) asks for beyond
    /// `grant`, which the operator gave to `previous` (the manifest of the
    /// version it replaces), and what it no longer asks for.
    ///
    /// Egress, auth profiles and actions count only as far as `grant`
    /// approved them; secrets and rate buckets come from `previous` (every
    /// approval covers all of them).
    pub fn of(grant: &Grant, previous: &Manifest, new: &Manifest, reveal: bool) -> Expansion {
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for unit in UNITS {
            let mut changes = unit.compare(grant, previous, new, reveal);
            changes.added.sort();
            changes.removed.sort();
            added.append(&mut changes.added);
            removed.append(&mut changes.removed);
        }
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

    const ZOOM: &str = include_str!("../../../runtime/testdata/zoom.toml");

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
        let e = Expansion::of(&grant, &old, &zoom_v2(|t| t), false);
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
        let e = Expansion::of(&grant, &old, &new, false);
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
        let e = Expansion::of(&grant, &old, &new, false);
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
        let e = Expansion::of(&grant, &old, &new, false);
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
        let e = Expansion::of(&grant, &old, &new, false);
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
        assert!(Expansion::of(&grant, &old, &new, false).asks_for_more());
    }

    /// The consent-flow profile added to the Zoom fixture, with its setting.
    const CONSENT: &str = "\n[[config]]\nname = \"auth\"\ndefault = \"s2s\"\n\
        choices = [\"s2s\", \"oauth-app\"]\n\n[[auth]]\nname = \"zoom-oauth\"\n\
        kind = \"authorization_code\"\nwhen = { config = \"auth\", is = \"oauth-app\" }\n\
        authorize_url = \"https://zoom.us/oauth/authorize\"\n\
        token_url = \"https://zoom.us/oauth/token\"\nclient_auth = \"client_secret_basic\"\n\
        client_id = \"secret:client_id\"\nclient_secret = \"secret:client_secret\"\n\
        audience = [\"https://api.zoom.us/\"]\n";

    #[test]
    fn a_consent_flow_profile_is_new_and_so_is_another_authorize_url_or_condition() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let added = zoom_v2(|t| format!("{t}{CONSENT}"));
        let e = Expansion::of(&grant, &old, &added, false);
        assert!(e.asks_for_more(), "{:?}", lines(&e));
        assert!(
            e.added.iter().any(|c| {
                let c = c.to_string();
                c.contains("zoom-oauth")
                    && c.contains("when setting auth = oauth-app")
                    && c.contains("consent at https://zoom.us/oauth/authorize")
            }),
            "{:?}",
            lines(&e)
        );
        let with_consent =
            Manifest::parse(&format!("{ZOOM}{CONSENT}")).unwrap_or_else(|e| panic!("{e}"));
        let grant = Grant::all_requested(&with_consent, "--yes");
        let same = Expansion::of(&grant, &with_consent, &added, false);
        assert!(!same.asks_for_more(), "{:?}", lines(&same));
        for (from, to) in [
            (
                "https://zoom.us/oauth/authorize",
                "https://zoom.example/oauth/authorize",
            ),
            ("is = \"oauth-app\"", "is = \"s2s\""),
            (
                "client_secret = \"secret:client_secret\"\naudience",
                "client_secret = \"secret:client_secret\"\nparams = { scope = \"more\" }\naudience",
            ),
        ] {
            let changed = zoom_v2(|t| format!("{t}{}", CONSENT.replace(from, to)));
            let e = Expansion::of(&grant, &with_consent, &changed, false);
            assert!(e.asks_for_more(), "{to}: {:?}", lines(&e));
        }
    }

    #[test]
    fn an_auth_profile_presenting_its_token_another_way_is_new_and_naming_the_default_kind_is_not()
    {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let with = |keys: &'static str| {
            zoom_v2(move |t| {
                t.replace(
                    "audience = [\"https://api.zoom.us/\"]",
                    &format!("audience = [\"https://api.zoom.us/\"]\n{keys}"),
                )
            })
        };
        let same =
            with("kind = \"client_credentials\"\nheader = \"Authorization\"\nscheme = \"Bearer\"");
        let e = Expansion::of(&grant, &old, &same, false);
        assert!(!e.asks_for_more(), "{:?}", lines(&e));
        for keys in [
            "scheme = \"token\"",
            "header = \"X-Api-Key\"",
            "query = \"access_token\"",
            "header = \"Authorization\"\nscheme = \"\"",
        ] {
            let e = Expansion::of(&grant, &old, &with(keys), false);
            assert!(e.asks_for_more(), "{keys}: {:?}", lines(&e));
            assert_eq!(e.added.len(), 1, "{keys}: {:?}", lines(&e));
        }
        // Another kind under the same name (a static key instead of the
        // grant) is new too.
        let key = zoom_v2(|t| {
            let start = t.find("[[auth]]").unwrap_or(0);
            let end = t[start..].find("audience").map_or(t.len(), |i| start + i);
            format!(
                "{}[[auth]]\nname = \"zoom-s2s\"\nkind = \"api_key\"\nkey = \"secret:client_secret\"\n{}",
                &t[..start],
                &t[end..]
            )
        });
        let e = Expansion::of(&grant, &old, &key, false);
        assert!(e.asks_for_more(), "{:?}", lines(&e));
        assert!(
            e.added[0]
                .to_string()
                .contains("api_key static API key secret:client_secret")
        );
        // Another client authentication method, or the secret sent another
        // way, is new too.
        let post = zoom_v2(|t| t.replace("client_auth = \"basic\"", "client_auth = \"form\""));
        assert!(Expansion::of(&grant, &old, &post, false).asks_for_more());
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
            let e = Expansion::of(&v1_grant, &v1, &v2, false);
            assert_eq!(lines(&e), want, "{quota} {path}");
        }
        // A bucket new to the plugin is new as a whole.
        assert_eq!(
            lines(&Expansion::of(&grant, &old, &v1, false)),
            ["new: rate bucket bulk"]
        );
    }

    #[test]
    fn a_concurrency_cap_raised_or_removed_and_any_header_profile_change_are_new() {
        let with = |cap: &str, headers: &str| {
            zoom_v2(|t| {
                t + &format!(
                    "\n[[ratelimit.bucket]]\nname = \"bulk\"\n\
                     match = [{{ methods = [\"GET\"], path = \"/v2/bulk\" }}]\n\
                     quota = {{ default = {{ per_second = 2 }} }}\n{cap}\n\
                     [ratelimit.headers]\n{headers}"
                )
            })
        };
        let epoch = "reset = \"x-ratelimit-reset\"\nreset_kind = \"epoch-seconds\"\n";
        let v1 = with("max_in_flight = 4", epoch);
        let grant = Grant::all_requested(&v1, "--yes");
        let headers_line = |now: &str| {
            format!(
                "new: rate bucket rate-limit headers Retry-After, {now} \
                 (was Retry-After, reset x-ratelimit-reset (epoch-seconds))"
            )
        };
        let cases: Vec<(&str, String, &str, Vec<String>)> = vec![
            ("same", "max_in_flight = 4".into(), epoch, vec![]),
            ("lower cap", "max_in_flight = 2".into(), epoch, vec![]),
            (
                "raised cap",
                "max_in_flight = 8".into(),
                epoch,
                vec!["new: rate bucket bulk: at most 8 in flight (was at most 4)".into()],
            ),
            (
                "cap removed",
                String::new(),
                epoch,
                vec!["new: rate bucket bulk: no cap on requests in flight (was at most 4)".into()],
            ),
            (
                "reset counted otherwise",
                "max_in_flight = 4".into(),
                "reset = \"x-ratelimit-reset\"\nreset_kind = \"delta-seconds\"\n",
                vec![headers_line("reset x-ratelimit-reset (delta-seconds)")],
            ),
            (
                "IETF fields added",
                "max_in_flight = 4".into(),
                "reset = \"x-ratelimit-reset\"\nreset_kind = \"epoch-seconds\"\nietf = true\n",
                vec![headers_line(
                    "reset x-ratelimit-reset (epoch-seconds), RateLimit/RateLimit-Policy",
                )],
            ),
            (
                "403 made a throttle",
                "max_in_flight = 4".into(),
                "reset = \"x-ratelimit-reset\"\nreset_kind = \"epoch-seconds\"\nthrottle_statuses = [403]\n",
                vec![headers_line(
                    "reset x-ratelimit-reset (epoch-seconds), 403 with Retry-After or remaining 0 is a throttle",
                )],
            ),
        ];
        for (what, cap, headers, want) in cases {
            let v2 = with(&cap, headers);
            let e = Expansion::of(&grant, &v1, &v2, false);
            assert_eq!(lines(&e), want, "{what}");
            assert_eq!(e.asks_for_more(), !want.is_empty(), "{what}");
        }
        let mut prompt = Vec::new();
        use crate::capabilities::grant::Unit;
        crate::capabilities::ratelimit::grant::Buckets.prompt(&v1.ratelimit, false, &mut prompt);
        assert!(
            prompt
                .iter()
                .any(|l| l.contains("bulk (bulk), at most 4 in flight"))
                && prompt.iter().any(|l| l.contains(
                    "rate-limit headers Retry-After, reset x-ratelimit-reset (epoch-seconds)"
                )),
            "{prompt:?}"
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
            let e = Expansion::of(&grant, &old, &new, false);
            assert!(
                lines(&e).iter().any(|l| l.contains(want)),
                "{what}: {want:?} not in {:?}",
                lines(&e)
            );
            assert!(e.asks_for_more(), "{what}");
        }
    }

    #[test]
    fn a_larger_memory_limit_is_new_and_a_smaller_one_asks_for_nothing() {
        let old = zoom();
        let grant = Grant::all_requested(&old, "--yes");
        let limit =
            |m: &'static str| move |t: String| t + &format!("\n[limits]\nmemory = \"{m}\"\n");
        // Above the default (64 MiB) asks for more.
        let e = Expansion::of(&grant, &old, &zoom_v2(limit("128MiB")), false);
        assert_eq!(lines(&e), ["new: memory up to 128 MiB"]);
        assert!(e.asks_for_more());
        // At or below the default asks for nothing.
        let e = Expansion::of(&grant, &old, &zoom_v2(limit("64MiB")), false);
        assert!(
            !e.asks_for_more() && e.removed.is_empty(),
            "{:?}",
            lines(&e)
        );
        let e = Expansion::of(&grant, &old, &zoom_v2(limit("32MiB")), false);
        assert!(!e.asks_for_more(), "{:?}", lines(&e));
        // From an approved 256 MiB: 512 is new, 128 drops the old one.
        let big = zoom_v2(limit("256MiB"));
        let grant = Grant::all_requested(&big, "--yes");
        let more = Manifest::parse(
            &(ZOOM.replace("version = \"0.1.0\"", "version = \"0.3.0\"")
                + "\n[limits]\nmemory = \"512MiB\"\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = Expansion::of(&grant, &big, &more, false);
        assert_eq!(
            lines(&e),
            ["new: memory up to 512 MiB", "removed: memory up to 256 MiB"]
        );
        let less = Manifest::parse(
            &(ZOOM.replace("version = \"0.1.0\"", "version = \"0.3.0\"")
                + "\n[limits]\nmemory = \"128MiB\"\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = Expansion::of(&grant, &big, &less, false);
        assert!(!e.asks_for_more(), "{:?}", lines(&e));
        assert_eq!(lines(&e), ["removed: memory up to 256 MiB"]);
        // The prompt shows a limit above the default.
        let prompt = super::super::prompt::describe_request(&zoom_v2(limit("128MiB")), false);
        assert!(
            prompt.contains("up to 128 MiB of linear memory per call (default 64 MiB)"),
            "{prompt}"
        );
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
        assert!(!Expansion::of(&grant, &old, &narrower, false).asks_for_more());
        let wider = with("[\"https://api.zoom.us/v2/\"]");
        let e = Expansion::of(&grant, &old, &wider, false);
        // The old destination lies under the new one: nothing was removed.
        assert_eq!(
            lines(&e),
            ["new: secret webhook_token to https://api.zoom.us/v2/"]
        );
        let e = Expansion::of(&grant, &wider, &old, false);
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
        let e = Expansion::of(&grant, &old, &same, true);
        assert_eq!(
            lines(&e),
            ["new: secrets.reveal (the plugin may read raw secret values)"]
        );
        grant.reveal_secrets = true;
        assert!(!Expansion::of(&grant, &old, &same, true).asks_for_more());
        let e = Expansion::of(&grant, &old, &same, false);
        assert!(!e.asks_for_more());
        assert_eq!(
            e.removed,
            [crate::capabilities::secrets::grant::REVEAL_SECRETS]
        );
    }

    #[test]
    fn only_what_the_previous_grant_approved_counts_as_approved() {
        let old = zoom();
        let mut grant = Grant::all_requested(&old, "test");
        grant.actions.retain(|a| a != "suspend-user");
        grant.egress.clear();
        let e = Expansion::of(&grant, &old, &zoom_v2(|t| t), false);
        assert_eq!(
            lines(&e),
            [
                "new: network GET https://api.zoom.us/v2/",
                "new: network PUT https://api.zoom.us/v2/",
                "new: action suspend-user",
            ]
        );
    }

    #[test]
    fn a_tenant_pattern_is_compared_as_written() {
        let tenant = |url: &str| {
            Manifest::parse(&format!(
                "id = \"t\"\nversion = \"1.0.0\"\ncontract = \"0.2.0\"\n\
                 [[config]]\nname = \"sub\"\nform = \"dns-label\"\n\
                 [[config]]\nname = \"other\"\nform = \"dns-label\"\n\
                 [[egress]]\nurl = \"{url}\"\nmethods = [\"GET\"]\n"
            ))
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let old = tenant("https://{config:sub}.desk.example/api/");
        let grant = Grant::all_requested(&old, "--yes");
        let narrower = tenant("https://{config:sub}.desk.example/api/v2/");
        assert!(!Expansion::of(&grant, &old, &narrower, false).asks_for_more());
        for wider in [
            "https://{config:sub}.desk.example/",
            "https://{config:other}.desk.example/api/",
            "https://{config:sub}.other.example/api/",
        ] {
            let e = Expansion::of(&grant, &old, &tenant(wider), false);
            assert_eq!(
                lines(&e).first().map(String::as_str),
                Some(format!("new: network GET {wider}").as_str()),
                "{wider}"
            );
        }
    }
}
