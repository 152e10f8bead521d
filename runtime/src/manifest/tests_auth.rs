//! `[[auth]]` profiles: kinds, presentation and the manifests written before
//! kinds existed.

use super::*;

const ZOOM: &str = include_str!("../../testdata/zoom.toml");
const AZURE: &str = include_str!("../../testdata/azure.toml");

/// A manifest with one egress rule and secrets `client_secret` and `key`
/// around one `[[auth]]` table `auth` (its keys, one a line).
fn with_auth(auth: &str) -> String {
    format!(
        "id = \"t\"\nversion = \"1.0.0\"\ncontract = \"0.1.0\"\n\
         [[egress]]\nurl = \"https://api.example.com/v1/\"\nmethods = [\"GET\"]\n\
         [[secret]]\nname = \"client_secret\"\n\
         [[secret]]\nname = \"key\"\n\
         [[auth]]\nname = \"p\"\naudience = [\"https://api.example.com/v1/\"]\n{auth}\n"
    )
}

const CLIENT_CREDENTIALS: &str = "token_url = \"https://api.example.com/token\"\n\
     grant_type = \"client_credentials\"\nclient_auth = \"form\"\nclient_id = \"x\"\n\
     client_secret = \"secret:client_secret\"";

fn parsed(text: &str) -> AuthProfile {
    let m = Manifest::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    m.auth
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no profile in\n{text}"))
}

fn refused(text: &str) -> String {
    match Manifest::parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn manifests_without_a_kind_are_client_credentials_with_a_bearer_token() {
    for (text, client_auth) in [
        (ZOOM, "client_secret_basic"),
        (AZURE, "client_secret_post"),
        (
            include_str!("../../../plugins/zoom/plugin.toml"),
            "client_secret_basic",
        ),
        (
            include_str!("../../../plugins/azure/plugin.toml"),
            "client_secret_post",
        ),
        (
            include_str!("../../../tests/fixtures/hostile/plugin.toml"),
            "client_secret_post",
        ),
    ] {
        let m = Manifest::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!m.auth.is_empty());
        for p in &m.auth {
            let method = match &p.kind {
                AuthKind::ClientCredentials(c) => c.client_auth.method(),
                AuthKind::AuthorizationCode(c) => c.client_auth.method(),
                other => panic!("{}: {other:?}", p.name),
            };
            assert_eq!(method, client_auth, "{}", p.name);
            assert_eq!(p.present, Present::default());
            assert_eq!(p.present.header_value("t0k"), "Bearer t0k");
            assert!(p.secret_refs().any(|s| s == "client_secret"), "{}", p.name);
        }
    }
    // Naming the default kind changes nothing.
    let implicit = parsed(&with_auth(CLIENT_CREDENTIALS));
    let explicit = parsed(&with_auth(&format!(
        "kind = \"client_credentials\"\n{CLIENT_CREDENTIALS}"
    )));
    assert_eq!(implicit, explicit);
    // The standard names of the client authentication methods are accepted.
    for (written, method) in [
        ("client_secret_basic", "client_secret_basic"),
        ("client_secret_post", "client_secret_post"),
        ("basic", "client_secret_basic"),
    ] {
        let p = parsed(&with_auth(&CLIENT_CREDENTIALS.replace(
            "client_auth = \"form\"",
            &format!("client_auth = \"{written}\""),
        )));
        let AuthKind::ClientCredentials(c) = &p.kind else {
            panic!("{:?}", p.kind);
        };
        assert_eq!(c.client_auth.method(), method);
        assert_eq!(p.secret_refs().collect::<Vec<_>>(), ["client_secret"]);
    }
}

#[test]
fn an_unknown_kind_a_missing_key_and_a_bad_client_auth_are_refused_by_name() {
    let cases = [
        (
            format!("kind = \"magic\"\n{CLIENT_CREDENTIALS}"),
            "auth[0].kind",
            "`client_credentials`, `api_key`, `jwt_bearer`, `github_app`",
        ),
        (
            CLIENT_CREDENTIALS.replace("token_url = \"https://api.example.com/token\"\n", ""),
            "auth[0].token_url",
            "needs `token_url`",
        ),
        (
            CLIENT_CREDENTIALS.replace("client_secret = \"secret:client_secret\"", ""),
            "auth[0].client_secret",
            "needs `client_secret`",
        ),
        (
            CLIENT_CREDENTIALS.replace("client_auth = \"form\"", "client_auth = \"digest\""),
            "auth[0].client_auth",
            "client_secret_basic",
        ),
    ];
    for (auth, field, why) in cases {
        let err = refused(&with_auth(&auth));
        assert!(err.contains(field) && err.contains(why), "{auth}: {err}");
    }
}

#[test]
fn a_credential_goes_in_the_header_and_scheme_or_the_query_parameter_named() {
    let cases = [
        ("", "Authorization", "Bearer", "Bearer t"),
        ("scheme = \"token\"", "Authorization", "token", "token t"),
        (
            "scheme = \"Api-Token \"",
            "Authorization",
            "Api-Token",
            "Api-Token t",
        ),
        ("header = \"X-Api-Key\"", "X-Api-Key", "", "t"),
        (
            "header = \"Authorization\"\nscheme = \"\"",
            "Authorization",
            "",
            "t",
        ),
        (
            "header = \"Authorization\"\nscheme = \"SSWS\"",
            "Authorization",
            "SSWS",
            "SSWS t",
        ),
    ];
    for (keys, name, scheme, value) in cases {
        let p = parsed(&with_auth(&format!("{CLIENT_CREDENTIALS}\n{keys}")));
        assert_eq!(
            p.present,
            Present::Header {
                name: name.into(),
                scheme: scheme.into()
            },
            "{keys}"
        );
        assert_eq!(p.present.header_value("t"), value, "{keys}");
        assert_eq!(p.present.header_lower(), Some(name.to_ascii_lowercase()));
    }
    let p = parsed(&with_auth(&format!(
        "{CLIENT_CREDENTIALS}\nquery = \"api_key\""
    )));
    assert_eq!(
        p.present,
        Present::Query {
            param: "api_key".into()
        }
    );
    assert_eq!(p.present.header_lower(), None);

    let bad = [
        (
            "query = \"k\"\nheader = \"X-Key\"",
            "auth[0].query",
            "one place",
        ),
        (
            "query = \"k\"\nscheme = \"Bearer\"",
            "auth[0].query",
            "one place",
        ),
        ("query = \"a&b\"", "auth[0].query", "query parameter name"),
        ("header = \"Host\"", "auth[0].header", "carries credentials"),
        (
            "header = \"cookie\"",
            "auth[0].header",
            "carries credentials",
        ),
        ("header = \"X Key\"", "auth[0].header", "HTTP header name"),
        (
            "scheme = \"Bearer x\"",
            "auth[0].scheme",
            "authentication scheme",
        ),
        ("scheme = \"Bea\\nrer\"", "auth[0].scheme", "control"),
    ];
    for (keys, field, why) in bad {
        let err = refused(&with_auth(&format!("{CLIENT_CREDENTIALS}\n{keys}")));
        assert!(err.contains(field) && err.contains(why), "{keys}: {err}");
    }
}

const PRIVATE_KEY_JWT: &str = "token_url = \"https://api.example.com/token\"\n\
     grant_type = \"client_credentials\"\nclient_auth = \"private_key_jwt\"\nclient_id = \"x\"\n\
     private_key = \"secret:key\"";

#[test]
fn each_kind_parses_into_its_inputs_and_uses_its_secrets_as_it_says() {
    let api_key = parsed(&with_auth(
        "kind = \"api_key\"\nkey = \"secret:key\"\nheader = \"X-Api-Key\"",
    ));
    assert_eq!(
        api_key.kind,
        AuthKind::ApiKey {
            key: ValueRef::Secret("key".into())
        }
    );
    assert_eq!(api_key.token_url(), None);
    assert!(!api_key.kind.is_minted());
    assert_eq!(api_key.kind.signing_key(), None);
    assert_eq!(api_key.secret_usage("key"), Some(Usage::ToAudience));

    let pkj = parsed(&with_auth(&format!("{PRIVATE_KEY_JWT}\nalg = \"ES256\"")));
    assert_eq!(
        pkj.kind.signing_key(),
        Some((&ValueRef::Secret("key".into()), JwtAlg::Es256))
    );
    assert_eq!(pkj.secret_usage("key"), Some(Usage::Signs));
    let default_alg = parsed(&with_auth(PRIVATE_KEY_JWT));
    assert_eq!(
        default_alg.kind.signing_key().map(|(_, a)| a),
        Some(JwtAlg::Rs256)
    );

    let bearer = parsed(&with_auth(
        "kind = \"jwt_bearer\"\ntoken_url = \"https://oauth2.example.com/token\"\n\
         issuer = \"svc@proj.example\"\nprivate_key = \"secret:key\"\nscope = \"a b\"",
    ));
    let AuthKind::JwtBearer(j) = &bearer.kind else {
        panic!("{:?}", bearer.kind);
    };
    assert_eq!(j.scope, Some(ValueRef::Literal("a b".into())));
    assert_eq!(j.subject, None);
    assert_eq!(bearer.secret_refs().collect::<Vec<_>>(), ["key"]);

    let text = with_auth(
        "kind = \"github_app\"\n\
         token_url = \"https://api.example.com/app/installations/{config:inst}/access_tokens\"\n\
         app_id = \"12\"\nprivate_key = \"secret:key\"\nscheme = \"token\"",
    ) + "[[config]]\nname = \"inst\"\n";
    let app = parsed(&text);
    assert_eq!(app.config_refs().collect::<Vec<_>>(), ["inst"]);
    assert_eq!(app.present.header_value("ghs_1"), "token ghs_1");
    assert!(app.kind.is_minted());
}

#[test]
fn a_kind_refuses_keys_of_another_kind_and_credentials_that_are_not_secrets() {
    let cases = [
        (
            "kind = \"api_key\"\nkey = \"secret:key\"\ntoken_url = \"https://a.example/t\"",
            "auth[0].token_url",
            "`api_key` profile takes `key`",
        ),
        (
            "kind = \"api_key\"\nkey = \"sk-literal\"",
            "auth[0].key",
            "`secret:NAME`",
        ),
        (
            "kind = \"api_key\"\nkey = \"config:c\"",
            "auth[0].key",
            "`secret:NAME`",
        ),
        ("kind = \"api_key\"", "auth[0].key", "needs `key`"),
        (
            &format!("{PRIVATE_KEY_JWT}\nclient_secret = \"secret:client_secret\""),
            "auth[0].client_secret",
            "takes `private_key`",
        ),
        (
            &format!("{CLIENT_CREDENTIALS}\nprivate_key = \"secret:key\""),
            "auth[0].private_key",
            "takes `client_secret`",
        ),
        (
            &format!("{PRIVATE_KEY_JWT}\nalg = \"HS256\""),
            "auth[0].alg",
            "`RS256` or `ES256`",
        ),
        (
            "kind = \"jwt_bearer\"\ntoken_url = \"https://a.example/t\"\nprivate_key = \"secret:key\"",
            "auth[0].issuer",
            "needs `issuer`",
        ),
        (
            "kind = \"github_app\"\ntoken_url = \"https://a.example/t\"\napp_id = \"1\"\n\
             private_key = \"secret:key\"\ngrant_type = \"x\"",
            "auth[0].grant_type",
            "a `github_app` profile takes",
        ),
    ];
    for (auth, field, why) in cases {
        let err = refused(&with_auth(auth));
        assert!(err.contains(field) && err.contains(why), "{auth}: {err}");
    }
}

const AUTHORIZATION_CODE: &str = "kind = \"authorization_code\"\n\
     authorize_url = \"https://id.example.com/oauth/authorize\"\n\
     token_url = \"https://id.example.com/oauth/token\"\n\
     client_auth = \"client_secret_basic\"\nclient_id = \"x\"\n\
     client_secret = \"secret:client_secret\"\nparams = { scope = \"read offline\" }";

#[test]
fn an_authorization_code_profile_has_its_endpoints_client_and_authorize_params() {
    let p = parsed(&with_auth(AUTHORIZATION_CODE));
    let AuthKind::AuthorizationCode(c) = &p.kind else {
        panic!("not authorization code: {p:?}");
    };
    assert_eq!(p.kind.name(), "authorization_code");
    assert_eq!(
        c.authorize_url.text,
        "https://id.example.com/oauth/authorize"
    );
    assert_eq!(
        p.token_url().map(|t| t.text.as_str()),
        Some("https://id.example.com/oauth/token")
    );
    assert_eq!(c.client_auth.method(), "client_secret_basic");
    assert_eq!(
        c.authorize_params,
        [(
            "scope".to_string(),
            ValueRef::Literal("read offline".into())
        )]
    );
    assert_eq!(p.secret_refs().collect::<Vec<_>>(), ["client_secret"]);
    assert_eq!(p.when, None);
    for (edit, field) in [
        (
            AUTHORIZATION_CODE.replace(
                "authorize_url = \"https://id.example.com/oauth/authorize\"\n",
                "",
            ),
            "auth[0].authorize_url",
        ),
        (
            format!("{AUTHORIZATION_CODE}\ngrant_type = \"authorization_code\""),
            "auth[0].grant_type",
        ),
        (
            AUTHORIZATION_CODE.replace("scope = ", "state = "),
            "auth[0].params.state",
        ),
        (
            AUTHORIZATION_CODE.replace(
                "https://id.example.com/oauth/authorize",
                "http://id example/",
            ),
            "auth[0].authorize_url",
        ),
    ] {
        let e = refused(&with_auth(&edit));
        assert!(e.contains(field), "{field} not named in: {e}");
    }
}

#[test]
fn a_when_condition_names_a_setting_choice_and_selects_the_profile_per_instance() {
    let setting = "[[config]]\nname = \"auth\"\ndefault = \"a\"\nchoices = [\"a\", \"b\"]\n";
    let text = format!(
        "{}{setting}",
        with_auth(&format!(
            "when = {{ config = \"auth\", is = \"b\" }}\n{AUTHORIZATION_CODE}"
        ))
    );
    let m = Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(m.auth[0].when, Some(("auth".into(), "b".into())));
    let instance = |value: &str| {
        let config = [("auth".to_string(), value.to_string())].into();
        m.for_instance(&config)
            .unwrap_or_else(|e| panic!("{e}"))
            .auth
            .len()
    };
    assert_eq!(instance("b"), 1);
    assert_eq!(instance("a"), 0);
    for (bad, named) in [
        ("is = \"c\"", "auth[0].when"),
        ("is = \"b\", other = 1", "`other`"),
    ] {
        let e = refused(&format!(
            "{}{setting}",
            with_auth(&format!(
                "when = {{ config = \"auth\", {bad} }}\n{AUTHORIZATION_CODE}"
            ))
        ));
        assert!(e.contains(named), "{bad}: {e}");
    }
    let no_setting = refused(&with_auth(&format!(
        "when = {{ config = \"auth\", is = \"b\" }}\n{AUTHORIZATION_CODE}"
    )));
    assert!(no_setting.contains("auth[0].when"), "{no_setting}");
}

#[test]
fn the_github_manifest_offers_an_app_and_a_token_selected_by_its_auth_setting() {
    let m = Manifest::parse(include_str!("../../../plugins/github/plugin.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    type Profile<'a> = (&'a str, bool, Option<(String, String)>);
    let kinds: Vec<Profile<'_>> = m
        .auth
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                matches!(p.kind, AuthKind::GithubApp(_)),
                p.when.clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "github-app",
                true,
                Some(("auth".into(), "github-app".into()))
            ),
            ("github-token", false, Some(("auth".into(), "token".into()))),
        ]
    );
    for p in &m.auth {
        assert_eq!(p.present.header_value("t0k"), "Bearer t0k", "{}", p.name);
    }
    assert_eq!(m.ratelimit.headers.throttle_statuses, [403]);
}
