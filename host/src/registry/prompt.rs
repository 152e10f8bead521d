//! The approval prompt: what a manifest asks for, one line per grant, as
//! `plugin add` shows it before the operator approves and the API returns it.
//! Each capability writes its own lines ([`crate::capabilities::grant::Unit`]).

use super::units::UNITS;
use crate::manifest::Manifest;

/// What a manifest asks for, for the approval prompt; `reveal` adds the
/// `secrets.reveal` grant the operator asked for with `--grant-reveal`.
pub fn describe_request(m: &Manifest, reveal: bool) -> String {
    let mut out = format!(
        "{} {} ({}) by {}\n{}\n",
        m.id, m.version, m.name, m.vendor, m.description
    );
    out.push_str("It requests:\n");
    let mut lines = Vec::new();
    for unit in UNITS {
        unit.prompt(m, reveal, &mut lines);
    }
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}
