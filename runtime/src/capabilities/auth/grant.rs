//! The auth part of approval: a profile is compared by everything that
//! decides where its secrets and its credential go, not by its name alone.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use crate::manifest::{AuthKind, AuthProfile, ClientAuth, Manifest, ValueRef};

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
                ClientAuth::Basic { .. } | ClientAuth::Post { .. } => c.client_auth.method(),
            };
            format!("{} grant at {} ({how})", c.grant_type, c.token_url.text)
        }
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
        AuthKind::ClientCredentials(_) | AuthKind::AuthorizationCode(_) => "token",
    }
}

/// The comparison key of a profile: its name plus everything that decides
/// which secrets are sent where, and where and how the credential goes.
fn profile(p: &AuthProfile) -> Capability {
    let mut inputs: Vec<String> = p
        .kind
        .inputs()
        .into_iter()
        .map(|(k, v)| format!("{k} {}", value_text(v)))
        .collect();
    match &p.kind {
        AuthKind::ClientCredentials(c) => inputs.push(format!("params in {:?}", c.params_in)),
        AuthKind::AuthorizationCode(_) => {}
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
    fn prompt(&self, m: &Manifest, _reveal: bool, out: &mut Vec<String>) {
        for a in &m.auth {
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

    fn compare(&self, grant: &Grant, previous: &Manifest, new: &Manifest, _: bool) -> Changes {
        let approved: Vec<Capability> = previous
            .auth
            .iter()
            .filter(|a| grant.auth.contains(&a.name))
            .map(profile)
            .collect();
        let requested: Vec<Capability> = new.auth.iter().map(profile).collect();
        Changes::of_sets(&approved, &requested)
    }
}
