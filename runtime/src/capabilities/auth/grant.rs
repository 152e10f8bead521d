//! The auth part of approval: a profile is compared by everything that
//! decides where its secrets and its token go, not by its name alone.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use crate::manifest::{AuthProfile, Manifest, ValueRef};

/// Auth profiles.
pub struct Profiles;

fn value_text(v: &ValueRef) -> String {
    match v {
        ValueRef::Literal(s) => format!("{s:?}"),
        ValueRef::Config(n) => format!("config:{n}"),
        ValueRef::Secret(n) => format!("secret:{n}"),
    }
}

/// The comparison key of a profile: its name plus everything that decides
/// which secrets are sent where and who receives the token.
fn profile(p: &AuthProfile) -> Capability {
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
    Capability::new(
        "auth",
        "auth",
        format!(
            "`{}`: {} grant at {} ({:?} client auth, params in {:?}; {}), token sent to {}",
            p.name,
            p.grant_type,
            p.token_url.text,
            p.client_auth,
            p.params_in,
            inputs.join(", "),
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
                    "`{}`: {} grant at {}, token sent to {}",
                    a.name,
                    a.grant_type,
                    a.token_url.text,
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
