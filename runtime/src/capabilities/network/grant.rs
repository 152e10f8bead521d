//! The network part of approval: one line per egress rule, compared per
//! method and by coverage, so a narrower prefix is not new but an extra
//! method or a wider prefix is.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use crate::manifest::{EgressRule, Manifest, Method, UrlPrefix};

/// Egress rules.
pub struct Egress;

fn network(m: Method, p: &UrlPrefix) -> Capability {
    Capability::new("network", "network", format!("{m} {p}"))
}

/// Every (method, prefix) pair of `rules`.
fn pairs<'a>(rules: impl Iterator<Item = &'a EgressRule>) -> Vec<(Method, &'a UrlPrefix)> {
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
        .map(|(m, p)| network(*m, p))
        .collect()
}

impl Unit for Egress {
    fn prompt(&self, m: &Manifest, _reveal: bool, out: &mut Vec<String>) {
        out.extend(m.egress.iter().map(|e| line("network", e)));
        if m.egress.is_empty() {
            out.push(line("network", "none"));
        }
    }

    fn compare(&self, grant: &Grant, previous: &Manifest, new: &Manifest, _: bool) -> Changes {
        let approved = pairs(
            previous
                .egress
                .iter()
                .filter(|e| grant.egress.contains(&e.to_string())),
        );
        let requested = pairs(new.egress.iter());
        Changes {
            added: uncovered(&approved, &requested),
            removed: uncovered(&requested, &approved),
        }
    }
}
