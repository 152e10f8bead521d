use super::*;

const ZOOM: &str = include_str!("../../testdata/zoom.toml");

fn url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn the_zoom_manifest_parses() {
    let m = Manifest::parse(ZOOM).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.id, "zoom");
    assert_eq!(m.auth.len(), 1);
    assert_eq!(m.ratelimit.buckets.len(), 3);
    assert!(
        m.http_sections()
            .profile_using_secret("client_secret")
            .is_some()
    );
}

#[test]
fn egress_matches_scheme_host_port_path_and_method() {
    let m = Manifest::parse(ZOOM).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("GET", "https://api.zoom.us/v2/users", true),
        ("PUT", "https://api.zoom.us/v2/users/x/status", true),
        ("DELETE", "https://api.zoom.us/v2/users/x", false),
        ("GET", "http://api.zoom.us/v2/users", false),
        ("GET", "https://api.zoom.us:8443/v2/users", false),
        ("GET", "https://api.zoom.us.evil.com/v2/users", false),
        ("GET", "https://api.zoom.us/v3/users", false),
        ("GET", "https://api.zoom.us/v2evil", false),
        ("GET", "https://evil.com/v2/users", false),
    ];
    for (method, u, want) in cases {
        let method = Method::parse("m", method).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            m.http_sections().egress_allows(method, &url(u)),
            want,
            "{method} {u}"
        );
    }
}

#[test]
fn requests_are_classified_into_zoom_categories() {
    let m = Manifest::parse(ZOOM).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (Method::Get, "/v2/users", Some("medium")),
        (Method::Get, "/v2/users/abc", Some("light")),
        (Method::Put, "/v2/users/abc/status", Some("light")),
        (Method::Get, "/v2/groups/g1/members", Some("medium")),
        (Method::Get, "/v2/report/activities", Some("heavy")),
        (Method::Get, "/v2/accounts/me/settings", Some("medium")),
        (Method::Get, "/v2/unknown", None),
    ];
    for (method, path, want) in cases {
        let got = m.ratelimit.classify(method, path).map(|b| b.name.as_str());
        assert_eq!(got, want, "{method} {path}");
    }
}

#[test]
fn unknown_fields_are_refused_with_their_name() {
    let text = format!("{ZOOM}\nsurprise = 1\n");
    let err = Manifest::parse(&text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("surprise"), "{err}");
}

#[test]
fn an_unsupported_contract_names_the_supported_range() {
    // Whatever contract the plugin is on now.
    let text: String = ZOOM
        .lines()
        .map(|l| {
            if l.starts_with("contract = ") {
                "contract = \"9.0.0\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let manifest = Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let err = manifest
        .check_contract(&["0.1.0", "0.2.0"])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("9.0.0") && err.contains("0.1.0, 0.2.0"),
        "{err}"
    );
    assert!(manifest.check_contract(&["9.0.0"]).is_ok());
}

#[test]
fn an_auth_profile_may_only_use_declared_secrets() {
    let text = ZOOM.replace(
        "client_secret = \"secret:client_secret\"",
        "client_secret = \"secret:other\"",
    );
    let err = Manifest::parse(&text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("other"), "{err}");
}

#[test]
fn templates_escape_config_values() {
    let t = Template::parse("t", "https://login.example.com/{config:tenant}/token")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = t.render(|_| Some("a/../b?x".to_string()));
    assert_eq!(
        out.as_deref(),
        Some("https://login.example.com/a%2F..%2Fb%3Fx/token")
    );
}

#[test]
fn a_prefix_contains_the_prefixes_at_or_below_it_on_the_same_origin() {
    let p = |t: &str| UrlPrefix::parse("p", t).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("https://api.zoom.us/", "https://api.zoom.us/v2/", true),
        ("https://api.zoom.us/v2/", "https://api.zoom.us/v2/", true),
        (
            "https://api.zoom.us/v2/",
            "https://api.zoom.us/v2/users",
            true,
        ),
        (
            "https://api.zoom.us/v2",
            "https://api.zoom.us/v2/users",
            true,
        ),
        ("https://api.zoom.us/v2/", "https://api.zoom.us/", false),
        (
            "https://api.zoom.us/v2",
            "https://api.zoom.us/v2evil",
            false,
        ),
        ("https://api.zoom.us/", "http://api.zoom.us/", false),
        ("https://api.zoom.us/", "https://api.zoom.us:8443/", false),
        ("https://api.zoom.us/", "https://zoom.us/", false),
    ];
    for (outer, inner, want) in cases {
        assert_eq!(p(outer).contains(&p(inner)), want, "{outer} ⊇ {inner}");
    }
}

#[test]
fn a_secret_names_where_it_may_go_and_an_auth_secret_goes_nowhere_else() {
    let with_secret = |secret: &str| {
        format!(
            "id = \"t\"\nversion = \"1.0.0\"\ncontract = \"0.1.0\"\n\
             [[egress]]\nurl = \"https://api.example.com/v1/\"\nmethods = [\"GET\"]\n\
             [[config]]\nname = \"c\"\nrequired = false\n\
             [[secret]]\nname = \"client_secret\"\n\
             [[auth]]\nname = \"p\"\ntoken_url = \"https://api.example.com/token\"\n\
             grant_type = \"client_credentials\"\nclient_auth = \"form\"\nclient_id = \"x\"\n\
             client_secret = \"secret:client_secret\"\naudience = [\"https://api.example.com/v1/\"]\n\
             {secret}"
        )
    };
    let ok = Manifest::parse(&with_secret(
        "[[secret]]\nname = \"api_key\"\nsend_to = [\"https://api.example.com/v1/keys/\"]\n",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let key = ok.secret_field("api_key").map(|f| f.send_to.len());
    assert_eq!(key, Some(1));
    assert_eq!(
        ok.http_sections()
            .profile_using_secret("client_secret")
            .map(|p| p.name.as_str()),
        Some("p")
    );

    let refused = [
        (
            "[[secret]]\nname = \"api_key\"\nsend_to = [\"https://other.example.com/\"]\n",
            "within one of the [[egress]] urls",
        ),
        (
            "[[secret]]\nname = \"api_key\"\nsend_to = [\"https://api.example.com/\"]\n",
            "within one of the [[egress]] urls",
        ),
        (
            "[[secret]]\nname = \"api_key\"\nsend_to = [\"not a url\"]\n",
            "absolute URL",
        ),
    ];
    for (secret, why) in refused {
        let err = Manifest::parse(&with_secret(secret))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(why), "{secret}: {err}");
    }
    // The auth profile's secret may not also be attached by the plugin, and
    // a setting has no destinations.
    let brokered = with_secret("").replace(
        "[[secret]]\nname = \"client_secret\"\n",
        "[[secret]]\nname = \"client_secret\"\nsend_to = [\"https://api.example.com/v1/\"]\n",
    );
    let err = Manifest::parse(&brokered)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("auth profile `p` uses this secret"), "{err}");
    let config = with_secret("").replace(
        "name = \"c\"\nrequired = false\n",
        "name = \"c\"\nrequired = false\nsend_to = [\"https://api.example.com/v1/\"]\n",
    );
    let err = Manifest::parse(&config)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("only a [[secret]] has destinations"), "{err}");
}

#[test]
fn names_and_labels_are_one_short_line_of_plain_text() {
    let cases = [
        ("name = \"Zoom\"", "name = \"Zoom\\u001b[1A\"", "U+001B"),
        (
            "vendor = \"Plugboard\"",
            "vendor = \"Acme\\u202e\"",
            "U+202E",
        ),
        (
            "name = \"Zoom\"",
            &format!("name = \"{}\"", "Z".repeat(101)),
            "at most 100 characters",
        ),
        (
            "label = \"Heavy\"",
            "label = \"Heavy\\r\\u001b[2K\"",
            "U+000D",
        ),
    ];
    for (from, to, why) in cases {
        assert!(ZOOM.contains(from), "{from}");
        let text = ZOOM.replacen(from, to, 1);
        let err = Manifest::parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(why), "{to}: {err}");
        assert!(
            !err.contains('\u{1b}') && !err.contains('\r') && !err.contains('\u{202e}'),
            "{err:?}"
        );
    }
}

#[test]
fn quotas_are_bounded_and_never_empty() {
    let bucket = |quota: &str| {
        format!(
            "id = \"t\"\nversion = \"1.0.0\"\ncontract = \"0.1.0\"\n\
             [[ratelimit.bucket]]\nname = \"b\"\nmatch = [{{ path = \"/x\" }}]\nquota = {quota}\n"
        )
    };
    let refused = [
        ("{ default = { per_second = 1e-20 } }", "one request a day"),
        ("{ default = { per_minute = 1e-18 } }", "one request a day"),
        ("{ default = { per_second = 1e9 } }", "1,000,000 a second"),
        (
            "{ default = { per_second = 1, burst = 0 } }",
            "a burst of 1",
        ),
        ("{ default = { per_day = 0 } }", "one request a day"),
        ("{}", "at least one plan's quota"),
        ("{ default = {} }", "at least one of per_second"),
        ("{ default = { burst = 5 } }", "at least one of per_second"),
    ];
    for (quota, why) in refused {
        let err = Manifest::parse(&bucket(quota))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(why), "{quota}: {err}");
    }
    for quota in [
        "{ default = { per_second = 0.5 } }",
        "{ default = { per_day = 1 } }",
        "{ pro = { per_minute = 60, burst = 10 } }",
    ] {
        assert!(Manifest::parse(&bucket(quota)).is_ok(), "{quota}");
    }
}

#[test]
fn a_wildcard_or_other_non_dns_host_is_refused_instead_of_matching_nothing() {
    for text in [
        "https://*.example.com/",
        "https://tenant_1.example.com/api/",
        "https://-bad.example.com/",
        "https://a..example.com/",
    ] {
        let err = UrlPrefix::parse("egress[0].url", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("egress[0].url")
                && (err.contains("host name") || err.contains("canonical")),
            "{text}: {err}"
        );
    }
    let err = Manifest::parse(&ZOOM.replace("https://api.zoom.us/v2/", "https://*.zoom.us/v2/"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("wildcard"), "{err}");
    for text in [
        "https://api.zoom.us/v2/",
        "http://127.0.0.1:9100/",
        "http://[::1]:9100/",
    ] {
        assert!(UrlPrefix::parse("u", text).is_ok(), "{text}");
    }
}

#[test]
fn a_url_must_read_exactly_as_it_is_matched() {
    let refused = [
        ("https://api.z\u{043e}\u{043e}m.us/v2/", "xn--"),
        (
            "https://api.zoom.us\u{3002}evil.example/",
            "api.zoom.us.evil.example",
        ),
        (
            "https://api.zoom.us%2eevil.example/",
            "api.zoom.us.evil.example",
        ),
        ("https://API.zoom.us/v2/", "https://api.zoom.us/v2/"),
        ("https://api.zoom.us:443/v2/", "https://api.zoom.us/v2/"),
        ("https://api.zoom.us", "https://api.zoom.us/"),
    ];
    for (text, canonical) in refused {
        let err = UrlPrefix::parse("egress[0].url", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("canonical form") && err.contains(canonical),
            "{text}: {err}"
        );
    }
    for text in [
        "https://api.zoom.us/v2/",
        "http://127.0.0.1:9100/",
        "https://xn--zm-fmca.us/",
    ] {
        assert!(UrlPrefix::parse("u", text).is_ok(), "{text}");
    }
}

const TENANT: &str = r#"
id = "tenant"
version = "1.0.0"
contract = "0.2.0"

[[config]]
name = "subdomain"
form = "dns-label"

[[secret]]
name = "api_token"
send_to = ["https://{config:subdomain}.desk.example/api/v2/"]

[[egress]]
url = "https://{config:subdomain}.desk.example/api/v2/"
methods = ["GET"]
"#;

#[test]
fn a_tenant_pattern_is_shown_as_written_and_rendered_per_instance() {
    let m = Manifest::parse(TENANT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        m.egress[0].to_string(),
        "GET https://{config:subdomain}.desk.example/api/v2/"
    );
    assert_eq!(m.config[0].form, Some(HostForm::DnsLabel));
    let acme = m
        .for_instance(&[("subdomain".to_string(), "acme".to_string())].into())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(acme.egress[0].prefix.host, "acme.desk.example");
    assert_eq!(
        acme.egress[0].prefix.text,
        "https://acme.desk.example/api/v2/"
    );
    assert_eq!(acme.secrets[0].send_to[0].host, "acme.desk.example");
    assert!(acme.egress[0].prefix.pattern.is_none());
    let missing = m.for_instance(&std::collections::BTreeMap::new());
    assert!(missing.is_err(), "a pattern rendered without its setting");
}

#[test]
fn a_placeholder_outside_the_host_or_without_a_form_is_refused() {
    let cases = [
        (
            "in the path",
            TENANT.replace(
                "url = \"https://{config:subdomain}.desk.example/api/v2/\"",
                "url = \"https://desk.example/{config:subdomain}/\"",
            ),
            "only in the URL's host",
        ),
        (
            "no form",
            TENANT.replace("form = \"dns-label\"\n", ""),
            "has none",
        ),
        (
            "unknown form",
            TENANT.replace("form = \"dns-label\"", "form = \"anything\""),
            "`dns-label` or `https-origin`",
        ),
        (
            "default outside the form",
            TENANT.replace(
                "form = \"dns-label\"",
                "form = \"dns-label\"\ndefault = \"a.b\"",
            ),
            "a default or choice of the form",
        ),
        (
            "a form on a secret",
            TENANT.replace(
                "name = \"api_token\"",
                "name = \"api_token\"\nform = \"dns-label\"",
            ),
            "only a [[config]] field has a form",
        ),
    ];
    for (case, text, expected) in cases {
        let err = Manifest::parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(expected), "{case}: {err}");
    }
}

#[test]
fn host_forms_accept_only_what_they_describe() {
    let label = [
        ("acme", true),
        ("acme-2", true),
        ("Acme", false),
        ("a.b", false),
        ("-a", false),
        ("", false),
        ("a_b", false),
    ];
    for (value, ok) in label {
        assert_eq!(HostForm::DnsLabel.accepts(value), ok, "dns-label {value:?}");
    }
    let origin = [
        ("https://acme.okta.com", true),
        ("https://acme.okta.com:8443", true),
        ("https://acme.okta.com/", false),
        ("http://acme.okta.com", false),
        ("https://acme.okta.com/api", false),
        ("https://user@acme.okta.com", false),
        ("https://ACME.okta.com", false),
        ("https://*.okta.com", false),
        ("https://acme.okta.com?x=1", false),
    ];
    for (value, ok) in origin {
        assert_eq!(
            HostForm::HttpsOrigin.accepts(value),
            ok,
            "https-origin {value:?}"
        );
    }
}

#[test]
fn an_https_origin_field_may_stand_for_the_whole_origin() {
    let text = TENANT
        .replace("form = \"dns-label\"", "form = \"https-origin\"")
        .replace(
            "https://{config:subdomain}.desk.example/api/v2/",
            "{config:subdomain}/api/v2/",
        );
    let m = Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let one = m
        .for_instance(&[("subdomain".to_string(), "https://acme.okta.com".to_string())].into())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(one.egress[0].prefix.text, "https://acme.okta.com/api/v2/");
}

fn with_ratelimit(headers: &str, bucket_extra: &str) -> String {
    format!(
        "id = \"t\"\nversion = \"1.0.0\"\ncontract = \"0.1.0\"\n\
         [[ratelimit.bucket]]\nname = \"b\"\nmatch = [{{ path = \"/x\" }}]\n\
         quota = {{ default = {{ per_second = 1 }} }}\n{bucket_extra}\n{headers}"
    )
}

#[test]
fn a_header_profile_names_its_headers_and_how_the_reset_counts() {
    let m = Manifest::parse(&with_ratelimit(
        "[ratelimit.headers]\nreset = \"X-RateLimit-Reset\"\nreset_kind = \"epoch-seconds\"\n\
         remaining = \"x-ratelimit-remaining\"\nlimit = \"x-ratelimit-limit\"\nietf = true\n",
        "",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let h = &m.ratelimit.headers;
    assert_eq!(
        h.reset,
        Some(ResetHeader {
            name: "x-ratelimit-reset".into(),
            kind: ResetKind::EpochSeconds
        }),
        "names are kept lowercase"
    );
    assert_eq!(h.remaining.as_deref(), Some("x-ratelimit-remaining"));
    assert!(h.ietf);
    let none = Manifest::parse(&with_ratelimit("", "")).unwrap_or_else(|e| panic!("{e}"));
    assert!(none.ratelimit.headers.is_empty(), "only Retry-After");
    let ietf = Manifest::parse(&with_ratelimit("[ratelimit.headers]\nietf = true\n", ""))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(ietf.ratelimit.headers.ietf);
}

#[test]
fn throttle_statuses_name_the_4xx_answers_that_may_be_throttles() {
    let m = Manifest::parse(&with_ratelimit(
        "[ratelimit.headers]\nreset = \"x-ratelimit-reset\"\nreset_kind = \"epoch-seconds\"\n\
         throttle_statuses = [403, 403]\n",
        "",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.ratelimit.headers.throttle_statuses, [403], "deduplicated");
    assert!(
        m.ratelimit
            .headers
            .describe()
            .ends_with("403 with Retry-After or remaining 0 is a throttle"),
        "{}",
        m.ratelimit.headers.describe()
    );
    let alone = Manifest::parse(&with_ratelimit(
        "[ratelimit.headers]\nthrottle_statuses = [403]\n",
        "",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!alone.ratelimit.headers.is_empty(), "a profile of its own");
    for bad in ["[401]", "[429]", "[500]", "[200]"] {
        let e = Manifest::parse(&with_ratelimit(
            &format!("[ratelimit.headers]\nthrottle_statuses = {bad}\n"),
            "",
        ))
        .err()
        .unwrap_or_else(|| panic!("{bad} accepted"))
        .to_string();
        assert!(
            e.contains("ratelimit.headers.throttle_statuses"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_bad_header_profile_is_refused_naming_the_field() {
    let refused = [
        (
            "reset = \"x-reset\"\n",
            "ratelimit.headers.reset_kind",
            "`reset_kind` beside `reset`",
        ),
        (
            "reset = \"x-reset\"\nreset_kind = \"minutes\"\n",
            "ratelimit.headers.reset_kind",
            "`epoch-seconds`",
        ),
        (
            "reset_kind = \"delta-seconds\"\n",
            "ratelimit.headers.reset",
            "a `reset` header",
        ),
        (
            "remaining = \"x-remaining\"\n",
            "ratelimit.headers.remaining",
            "a `reset` header too",
        ),
        (
            "reset = \"x reset\"\nreset_kind = \"delta-seconds\"\n",
            "ratelimit.headers.reset",
            "an HTTP header name",
        ),
        (
            "reset = \"x-\\u001b[2Jreset\"\nreset_kind = \"delta-seconds\"\n",
            "ratelimit.headers.reset",
            "U+001B",
        ),
        (
            "reset = \"Retry-After\"\nreset_kind = \"delta-seconds\"\n",
            "ratelimit.headers.reset",
            "always read",
        ),
        (
            "reset = \"x-reset\"\nreset_kind = \"delta-seconds\"\nremaining = \"RateLimit\"\n",
            "ratelimit.headers.remaining",
            "ietf = true",
        ),
        ("ietf = false\n", "ratelimit.headers", "at least `reset`"),
        ("reset_header = \"x\"\n", "reset_header", "unknown field"),
    ];
    for (headers, field, why) in refused {
        let text = with_ratelimit(&format!("[ratelimit.headers]\n{headers}"), "");
        let err = Manifest::parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(field) && err.contains(why), "{headers}: {err}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
    }
    let long = format!(
        "[ratelimit.headers]\nreset = \"{}\"\nreset_kind = \"delta-seconds\"\n",
        "x".repeat(65)
    );
    assert!(Manifest::parse(&with_ratelimit(&long, "")).is_err());
}

#[test]
fn max_in_flight_is_between_one_and_the_cap() {
    for (n, ok) in [("0", false), ("1", true), ("1024", true), ("1025", false)] {
        let text = with_ratelimit("", &format!("max_in_flight = {n}"));
        match Manifest::parse(&text) {
            Ok(m) => {
                assert!(ok, "{n} accepted");
                assert_eq!(
                    m.ratelimit.buckets[0].max_in_flight.map(|v| v.to_string()),
                    Some(n.to_string())
                );
            }
            Err(e) => {
                assert!(!ok, "{n}: {e}");
                assert!(
                    e.to_string().contains("ratelimit.bucket[0].max_in_flight"),
                    "{e}"
                );
            }
        }
    }
    let m = Manifest::parse(ZOOM).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        m.ratelimit
            .buckets
            .iter()
            .all(|b| b.max_in_flight.is_none())
            && m.ratelimit.headers.is_empty(),
        "the Zoom manifest keeps working unchanged"
    );
}
