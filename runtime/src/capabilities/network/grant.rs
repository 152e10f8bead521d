//! The network part of approval: one line per egress rule, compared per
//! method and by coverage, so a narrower prefix is not new but an extra
//! method or a wider prefix is.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use super::section::{EgressRule, Method, UrlPrefix};

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
    type Section<'m> = &'m [EgressRule];

    fn prompt(&self, egress: &[EgressRule], _reveal: bool, out: &mut Vec<String>) {
        out.extend(egress.iter().map(|e| line("network", e)));
        if egress.is_empty() {
            out.push(line("network", "none"));
        }
    }

    fn compare(
        &self,
        grant: &Grant,
        previous: &[EgressRule],
        new: &[EgressRule],
        _: bool,
    ) -> Changes {
        let approved = pairs(
            previous
                .iter()
                .filter(|e| grant.egress.contains(&e.to_string())),
        );
        let requested = pairs(new.iter());
        Changes {
            added: uncovered(&approved, &requested),
            removed: uncovered(&requested, &approved),
        }
    }
}
