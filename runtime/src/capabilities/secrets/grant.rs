//! The secrets part of approval: each secret an instance provides, where
//! the host may attach it, and the `secrets.reveal` switch.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use crate::manifest::{Manifest, UrlPrefix};

/// Secret fields and their destinations.
pub struct Secrets;

/// `secrets.reveal`: the plugin may read raw secret values.
pub struct Reveal;

/// The reveal switch as a capability.
pub const REVEAL_SECRETS: Capability = Capability::switch(
    "reveal-secrets",
    "secrets.reveal (the plugin may read raw secret values)",
);

/// Every (secret, destination) pair of `m`.
fn destinations(m: &Manifest) -> Vec<(&str, &UrlPrefix)> {
    m.secrets
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

fn names(m: &Manifest) -> Vec<Capability> {
    m.secrets
        .iter()
        .map(|s| Capability::new("secret", "secret", s.name.clone()))
        .collect()
}

impl Unit for Secrets {
    fn prompt(&self, m: &Manifest, _reveal: bool, out: &mut Vec<String>) {
        for s in &m.secrets {
            let goes = if let Some(p) = m.profile_using_secret(&s.name) {
                p.secret_use(&s.name).unwrap_or_default()
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
    fn compare(&self, _: &Grant, previous: &Manifest, new: &Manifest, _: bool) -> Changes {
        let mut changes = Changes::of_sets(&names(previous), &names(new));
        let (approved, requested) = (destinations(previous), destinations(new));
        changes.added.extend(uncovered(&approved, &requested));
        changes.removed.extend(uncovered(&requested, &approved));
        changes
    }
}

impl Unit for Reveal {
    fn prompt(&self, _: &Manifest, reveal: bool, out: &mut Vec<String>) {
        if reveal {
            out.push(line(
                "reveal",
                "secrets.reveal — the plugin may read the raw values of its instances' secrets (--grant-reveal)",
            ));
        }
    }

    fn compare(&self, grant: &Grant, _: &Manifest, _: &Manifest, reveal: bool) -> Changes {
        let side = |on: bool| if on { vec![REVEAL_SECRETS] } else { vec![] };
        Changes::of_sets(&side(grant.reveal_secrets), &side(reveal))
    }
}
