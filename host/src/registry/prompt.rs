//! The approval prompt: what a manifest asks for, one line per grant, as
//! `plugin add` shows it before the operator approves and the API returns it.

use crate::manifest::Manifest;

/// What a manifest asks for, for the approval prompt; `reveal` adds the
/// `secrets.reveal` grant the operator asked for with `--grant-reveal`.
pub fn describe_request(m: &Manifest, reveal: bool) -> String {
    let mut out = format!(
        "{} {} ({}) by {}\n{}\n",
        m.id, m.version, m.name, m.vendor, m.description
    );
    out.push_str("It requests:\n");
    for e in &m.egress {
        out.push_str(&format!("  network      {e}\n"));
    }
    if m.egress.is_empty() {
        out.push_str("  network      none\n");
    }
    for a in &m.auth {
        let aud: Vec<String> = a.audience.iter().map(|u| u.to_string()).collect();
        out.push_str(&format!(
            "  auth         `{}`: {} grant at {}, token sent to {}\n",
            a.name,
            a.grant_type,
            a.token_url.text,
            aud.join(", ")
        ));
    }
    for s in &m.secrets {
        let goes = if let Some(p) = m.profile_using_secret(&s.name) {
            format!(
                "sent by the host only to the token endpoint of auth profile `{}`",
                p.name
            )
        } else if s.send_to.is_empty() {
            "never sent; the plugin cannot use it without secrets.reveal".to_string()
        } else {
            let to: Vec<&str> = s.send_to.iter().map(|p| p.text.as_str()).collect();
            format!("attached by the host to requests under {}", to.join(", "))
        };
        out.push_str(&format!(
            "  secret       {} — {} ({goes})\n",
            s.name, s.description
        ));
    }
    for b in &m.ratelimit.buckets {
        out.push_str(&format!("  rate bucket  {} ({})\n", b.name, b.label));
    }
    for a in &m.actions {
        out.push_str(&format!("  action       {} — {}\n", a.name, a.description));
    }
    if reveal {
        out.push_str(
            "  reveal       secrets.reveal — the plugin may read the raw values of its instances' secrets (--grant-reveal)\n",
        );
    }
    out
}
