//! The secrets part of approval: each secret an instance provides, where
//! the host may attach it, and the `secrets.reveal` switch.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use super::section::SecretUses;
use crate::capabilities::config::section::FieldSpec;
use crate::capabilities::network::section::UrlPrefix;

/// Secret fields and their destinations.
pub struct Secrets;

/// What [`Secrets`] reads: the `[[secret]]` section, and how another
/// section (auth profiles) uses a secret itself.
#[derive(Clone, Copy)]
pub struct View<'m> {
    /// The secret fields.
    pub secrets: &'m [FieldSpec],
    /// Who else uses a secret, and how.
    pub uses: &'m dyn SecretUses,
}

/// `secrets.reveal`: the plugin may read raw secret values.
pub struct Reveal;

/// The reveal switch as a capability.
pub const REVEAL_SECRETS: Capability = Capability::switch(
    "reveal-secrets",
    "secrets.reveal (the plugin may read raw secret values)",
);

/// Every (secret, destination) pair of `secrets`.
fn destinations(secrets: &[FieldSpec]) -> Vec<(&str, &UrlPrefix)> {
    secrets
        .iter()
        .flat_map(|s| s.send_to.iter().map(move |p| (s.name.as_str(), p)))
        .collect()
}

/// Destinations of `wanted` that no destination of the same secret in
/// `have` contains.
fn uncovered(have: &[(&str, &UrlPrefix)], wanted: &[(&str, &UrlPrefix)]) -> Vec<Capability> {
    wanted
        .iter()
        .filter(|(n, p)| !have.iter().any(|(hn, hp)| hn == n && hp.contains(p)))
        .map(|(n, p)| Capability::new("secret-to", "secret", format!("{n} to {p}")))
        .collect()
}

fn names(secrets: &[FieldSpec]) -> Vec<Capability> {
    secrets
        .iter()
        .map(|s| Capability::new("secret", "secret", s.name.clone()))
        .collect()
}

impl Unit for Secrets {
    type Section<'m> = View<'m>;

    fn prompt(&self, m: View<'_>, _reveal: bool, out: &mut Vec<String>) {
        for s in m.secrets {
            let goes = if let Some(used) = m.uses.secret_use(&s.name) {
                used
            } else if s.send_to.is_empty() {
                "never sent; the plugin cannot use it without secrets.reveal".to_string()
            } else {
                let to: Vec<&str> = s.send_to.iter().map(|p| p.text.as_str()).collect();
                format!("attached by the host to requests under {}", to.join(", "))
            };
            out.push(line(
                "secret",
                format_args!("{} — {} ({goes})", s.name, s.description),
            ));
        }
    }

    /// Every approval covers all of the previous version's secrets.
    fn compare(&self, _: &Grant, previous: View<'_>, new: View<'_>, _: bool) -> Changes {
        let mut changes = Changes::of_sets(&names(previous.secrets), &names(new.secrets));
        let (approved, requested) = (destinations(previous.secrets), destinations(new.secrets));
        changes.added.extend(uncovered(&approved, &requested));
        changes.removed.extend(uncovered(&requested, &approved));
        changes
    }
}

impl Unit for Reveal {
    type Section<'m> = ();

    fn prompt(&self, _: (), reveal: bool, out: &mut Vec<String>) {
        if reveal {
            out.push(line(
                "reveal",
                "secrets.reveal — the plugin may read the raw values of its instances' secrets (--grant-reveal)",
            ));
        }
    }

    fn compare(&self, grant: &Grant, _: (), _: (), reveal: bool) -> Changes {
        let side = |on: bool| if on { vec![REVEAL_SECRETS] } else { vec![] };
        Changes::of_sets(&side(grant.reveal_secrets), &side(reveal))
    }
}
