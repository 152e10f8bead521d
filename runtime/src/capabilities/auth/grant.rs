//! The auth part of approval: a profile is compared by everything that
//! decides where its secrets and its credential go, not by its name alone.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use super::section::{AuthKind, AuthProfile, ClientAuth, PARAMETER};
use crate::section::ValueRef;

/// Auth profiles.
pub struct Profiles;

fn value_text(v: &ValueRef) -> String {
    match v {
        ValueRef::Literal(s) => format!("{s:?}"),
        ValueRef::Config(n) => format!("config:{n}"),
        ValueRef::Secret(n) => format!("secret:{n}"),
    }
}

/// How the kind obtains its credential, for the prompt: the grant, where it
/// is asked for and how the client proves who it is.
fn obtains(kind: &AuthKind) -> String {
    match kind {
        AuthKind::ClientCredentials(c) => {
            let how = match &c.client_auth {
                ClientAuth::Basic { .. } | ClientAuth::Post { .. } => {
                    c.client_auth.method().to_string()
                }
                ClientAuth::PrivateKeyJwt { key, alg } => format!(
                    "private_key_jwt: {} assertion signed with {}",
                    alg.name(),
                    value_text(key)
                ),
            };
            format!("{} grant at {} ({how})", c.grant_type, c.token_url.text)
        }
        AuthKind::ApiKey { key } => format!("static API key {}", value_text(key)),
        AuthKind::JwtBearer(j) => {
            let mut claims = vec![format!("iss {}", value_text(&j.issuer))];
            claims.extend(j.scope.iter().map(|s| format!("scope {}", value_text(s))));
            claims.extend(
                j.subject
                    .iter()
                    .map(|s| format!("acting as sub {}", value_text(s))),
            );
            format!(
                "JWT-bearer grant at {} (RS256 assertion signed with {}; {})",
                j.token_url.text,
                value_text(&j.private_key),
                claims.join(", ")
            )
        }
        AuthKind::GithubApp(g) => format!(
            "GitHub App installation token from {} (RS256 app JWT signed with {}, iss {})",
            g.token_url.text,
            value_text(&g.private_key),
            value_text(&g.app_id)
        ),
        AuthKind::AuthorizationCode(c) => format!(
            "consent at {} (authorization code with PKCE), refresh token kept sealed, tokens from {} ({})",
            c.authorize_url.text,
            c.token_url.text,
            c.client_auth.method()
        ),
    }
}

/// The condition under which a profile applies, for prompts.
fn when(p: &AuthProfile) -> String {
    match &p.when {
        Some((field, value)) => format!(" (when setting {field} = {value})"),
        None => String::new(),
    }
}

/// What the credential is called on the wire, for the prompt.
fn credential(kind: &AuthKind) -> &'static str {
    match kind {
        AuthKind::ApiKey { .. } => "key",
        AuthKind::ClientCredentials(_)
        | AuthKind::JwtBearer(_)
        | AuthKind::GithubApp(_)
        | AuthKind::AuthorizationCode(_) => "token",
    }
}

/// The comparison key of a profile: its name plus everything that decides
/// which secrets are sent where, and where and how the credential goes.
fn profile(p: &AuthProfile) -> Capability {
    let mut inputs: Vec<String> = p
        .kind
        .inputs()
        .into_iter()
        .filter(|i| i.label != PARAMETER)
        .map(|i| format!("{} {}", i.label, value_text(i.value)))
        .collect();
    match &p.kind {
        AuthKind::ClientCredentials(c) => {
            inputs.extend(
                c.params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_text(v))),
            );
            inputs.push(format!("params in {:?}", c.params_in));
        }
        AuthKind::AuthorizationCode(c) => inputs.extend(
            c.authorize_params
                .iter()
                .map(|(k, v)| format!("authorize {k}={}", value_text(v))),
        ),
        AuthKind::ApiKey { .. } | AuthKind::JwtBearer(_) | AuthKind::GithubApp(_) => {}
    }
    let audience: Vec<String> = p.audience.iter().map(ToString::to_string).collect();
    Capability::new(
        "auth",
        "auth",
        format!(
            "`{}`{}: {} {} ({}), sent as {} to {}",
            p.name,
            when(p),
            p.kind.name(),
            obtains(&p.kind),
            inputs.join(", "),
            p.present.describe(credential(&p.kind)),
            audience.join(", ")
        ),
    )
}

impl Unit for Profiles {
    type Section<'m> = &'m [AuthProfile];

    fn prompt(&self, auth: &[AuthProfile], _reveal: bool, out: &mut Vec<String>) {
        for a in auth {
            let aud: Vec<String> = a.audience.iter().map(|u| u.to_string()).collect();
            out.push(line(
                "auth",
                format_args!(
                    "`{}`{}: {}, {} sent as {} to {}",
                    a.name,
                    when(a),
                    obtains(&a.kind),
                    credential(&a.kind),
                    a.present.describe(credential(&a.kind)),
                    aud.join(", ")
                ),
            ));
        }
    }

    fn compare(
        &self,
        grant: &Grant,
        previous: &[AuthProfile],
        new: &[AuthProfile],
        _: bool,
    ) -> Changes {
        let approved: Vec<Capability> = previous
            .iter()
            .filter(|a| grant.auth.contains(&a.name))
            .map(profile)
            .collect();
        let requested: Vec<Capability> = new.iter().map(profile).collect();
        Changes::of_sets(&approved, &requested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::auth::section::{RawAuth, parse};

    /// The `[[auth]]` section of `text`.
    fn section(text: &str) -> Vec<AuthProfile> {
        #[derive(serde::Deserialize)]
        struct Raw {
            auth: Vec<RawAuth>,
        }
        let raw: Raw = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        parse(raw.auth, &Default::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn manifest(auth: &str) -> Vec<AuthProfile> {
        section(&format!(
            "[[auth]]\nname = \"p\"\naudience = [\"https://api.example.com/v1/\"]\n{auth}\n"
        ))
    }

    /// What `--yes` approves of `auth`.
    fn all_requested(auth: &[AuthProfile]) -> Grant {
        Grant {
            egress: Vec::new(),
            auth: auth.iter().map(|a| a.name.clone()).collect(),
            actions: Vec::new(),
            reveal_secrets: false,
            approved_by: "test".into(),
        }
    }

    fn prompt(auth: &str) -> String {
        let mut out = Vec::new();
        Profiles.prompt(&manifest(auth), false, &mut out);
        out.join("\n")
    }

    #[test]
    fn the_prompt_says_how_each_kind_obtains_its_credential_and_where_it_goes() {
        let cases = [
            (
                "kind = \"api_key\"\nkey = \"secret:key\"\nheader = \"X-Api-Key\"",
                "`p`: static API key secret:key, key sent as `X-Api-Key: <key>` to https://api.example.com/v1/",
            ),
            (
                "kind = \"api_key\"\nkey = \"secret:key\"\nquery = \"api_key\"",
                "key sent as query parameter `api_key=<key>` to https://api.example.com/v1/",
            ),
            (
                "token_url = \"https://login.example.com/token\"\ngrant_type = \"client_credentials\"\n\
                 client_auth = \"private_key_jwt\"\nclient_id = \"c\"\nprivate_key = \"secret:key\"\nalg = \"ES256\"",
                "client_credentials grant at https://login.example.com/token (private_key_jwt: ES256 assertion signed with secret:key), token sent as `Authorization: Bearer <token>`",
            ),
            (
                "kind = \"jwt_bearer\"\ntoken_url = \"https://oauth2.example.com/token\"\n\
                 issuer = \"svc@p\"\nprivate_key = \"secret:key\"\nscope = \"s\"\nsubject = \"config:inst\"",
                "JWT-bearer grant at https://oauth2.example.com/token (RS256 assertion signed with secret:key; iss \"svc@p\", scope \"s\", acting as sub config:inst)",
            ),
            (
                "kind = \"github_app\"\n\
                 token_url = \"https://api.example.com/app/installations/{config:inst}/access_tokens\"\n\
                 app_id = \"12\"\nprivate_key = \"secret:key\"\nscheme = \"token\"",
                "GitHub App installation token from https://api.example.com/app/installations/{config:inst}/access_tokens (RS256 app JWT signed with secret:key, iss \"12\"), token sent as `Authorization: token <token>`",
            ),
        ];
        for (auth, want) in cases {
            let got = prompt(auth);
            assert!(got.contains(want), "{auth}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn a_changed_key_source_issuer_algorithm_or_presentation_is_a_new_profile() {
        let base = "kind = \"jwt_bearer\"\ntoken_url = \"https://oauth2.example.com/token\"\n\
                    issuer = \"svc@p\"\nprivate_key = \"secret:key\"\nscope = \"s\"";
        let old = manifest(base);
        let grant = all_requested(&old);
        let same = Profiles.compare(&grant, &old, &manifest(base), false);
        assert!(same.added.is_empty(), "{:?}", same.added);
        let text = |m: &str| {
            "[[auth]]\nname = \"p\"\naudience = [\"https://api.example.com/v1/\"]\n".to_string()
                + m
                + "\n"
        };
        for changed in [
            base.replace("secret:key", "secret:other"),
            base.replace("svc@p", "admin@p"),
            base.replace(
                "https://oauth2.example.com/token",
                "https://evil.example/token",
            ),
            base.replace("scope = \"s\"", "scope = \"s t\""),
            format!("{base}\nsubject = \"boss@p\""),
            format!("{base}\nscheme = \"token\""),
            format!("{base}\nheader = \"X-Token\""),
        ] {
            let new = section(&text(&changed));
            let c = Profiles.compare(&grant, &old, &new, false);
            assert_eq!(c.added.len(), 1, "{changed}: {:?}", c.added);
        }
        let rs = "token_url = \"https://l.example/t\"\ngrant_type = \"client_credentials\"\n\
                  client_auth = \"private_key_jwt\"\nclient_id = \"c\"\nprivate_key = \"secret:key\"";
        let old = manifest(&format!("{rs}\nalg = \"RS256\""));
        let grant = all_requested(&old);
        let new = manifest(&format!("{rs}\nalg = \"ES256\""));
        assert_eq!(Profiles.compare(&grant, &old, &new, false).added.len(), 1);
        let key = "kind = \"api_key\"\nkey = \"secret:key\"\nheader = \"X-Api-Key\"";
        let old = manifest(key);
        let grant = all_requested(&old);
        let new = manifest(&key.replace("header = \"X-Api-Key\"", "query = \"k\""));
        assert_eq!(Profiles.compare(&grant, &old, &new, false).added.len(), 1);
    }
}
