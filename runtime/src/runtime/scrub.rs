//! Scrubbing secret values and tokens out of what a call returns, and
//! neutralising what could drive a terminal.
//!
//! Threat: a plugin granted `secrets.reveal` (or one that got a value from an
//! upstream that echoed it) puts a secret or a token into an error message, a
//! panic, a finding or a record, and the host would carry it into logs, the
//! store and the command line. Decision: every text a call returns — records
//! and cursors included, whatever the grant — passes
//! [`InstanceContext::scrub`] at the call boundary, before anything else sees
//! it (upstream bodies are already scrubbed before the plugin reads them; this
//! is the second line). Records are scrubbed before page validation, so a
//! replacement that broke a record's JSON is refused like any other bad
//! output. The price: an upstream record that quotes a secret value on its
//! own (an audit event naming the connector's client id) is stored with
//! `[redacted]` in its place.
//!
//! The same pass neutralises control and invisible formatting characters
//! (`plugboard_core::text`) in every text but a record's `raw` JSON: an
//! upstream display name or a plugin's error may carry terminal escape
//! sequences, and all of them end up on an operator's screen, in a log line
//! or in the API. Error messages are also cut to [`MAX_MESSAGE_BYTES`]; other
//! outputs are bounded by validation, which refuses rather than cuts.

use std::borrow::Cow;

use plugboard_core::model::{ConnectorError, Page, Record};
use plugboard_core::text::{clean_line, neutralize, neutralize_multiline};

use super::bindings::CallOutput;
use super::{CallError, InstanceContext};
use crate::limits::MAX_MESSAGE_BYTES;

/// Scrub and neutralise one line of text.
fn text(ctx: &InstanceContext, s: &mut String) {
    ctx.scrub(s);
    let cleaned = neutralize(s);
    if let Cow::Owned(c) = cleaned {
        *s = c;
    }
}

/// Scrub and neutralise multi-line text (newlines kept).
fn multiline(ctx: &InstanceContext, s: &mut String) {
    ctx.scrub(s);
    let cleaned = neutralize_multiline(s);
    if let Cow::Owned(c) = cleaned {
        *s = c;
    }
}

/// Scrub a record's `raw` JSON (kept as written otherwise: it is JSON, and
/// whoever shows it escapes it). JSON escapes can spell a value so the text
/// never shows it (`"\u0073ecret"`, `"a\/b"`): when the text has any escape,
/// its decoded strings are scrubbed too, and the JSON is re-written only if
/// one held a value.
fn raw(ctx: &InstanceContext, s: &mut String) {
    ctx.scrub(s);
    if s.contains('\\')
        && let Ok(mut v) = serde_json::from_str::<serde_json::Value>(s)
        && json_strings(ctx, &mut v)
        && let Ok(text) = serde_json::to_string(&v)
    {
        *s = text;
    }
}

/// Scrub every string (keys too) of `v`; whether anything was replaced.
fn json_strings(ctx: &InstanceContext, v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(t) => ctx.scrub(t),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| json_strings(ctx, item) | changed),
        Value::Object(map) => {
            let mut changed = false;
            for (mut key, mut value) in std::mem::take(map) {
                changed |= ctx.scrub(&mut key);
                changed |= json_strings(ctx, &mut value);
                map.insert(key, value);
            }
            changed
        }
        _ => false,
    }
}

fn opt(ctx: &InstanceContext, s: &mut Option<String>) {
    if let Some(s) = s {
        text(ctx, s);
    }
}

/// Scrub, neutralise and cut a message.
fn message(ctx: &InstanceContext, s: &mut String) {
    ctx.scrub(s);
    clean_line(s, MAX_MESSAGE_BYTES);
}

fn connector(ctx: &InstanceContext, e: &mut ConnectorError) {
    message(ctx, &mut e.message);
}

fn record(ctx: &InstanceContext, r: &mut Record) {
    match r {
        Record::Account(a) => {
            text(ctx, &mut a.id);
            opt(ctx, &mut a.email);
            opt(ctx, &mut a.display_name);
            opt(ctx, &mut a.user_type);
            opt(ctx, &mut a.created_at);
            opt(ctx, &mut a.last_login_at);
            raw(ctx, &mut a.raw);
        }
        Record::Group(g) => {
            text(ctx, &mut g.id);
            text(ctx, &mut g.name);
            raw(ctx, &mut g.raw);
        }
        Record::GroupMember(m) => {
            text(ctx, &mut m.group_id);
            text(ctx, &mut m.account_id);
            opt(ctx, &mut m.email);
        }
        Record::RoleAssignment(r) => {
            text(ctx, &mut r.role_id);
            text(ctx, &mut r.role_name);
            text(ctx, &mut r.account_id);
            opt(ctx, &mut r.email);
            raw(ctx, &mut r.raw);
        }
        Record::Activity(a) => {
            text(ctx, &mut a.id);
            text(ctx, &mut a.occurred_at);
            opt(ctx, &mut a.actor);
            opt(ctx, &mut a.actor_ip);
            text(ctx, &mut a.action);
            text(ctx, &mut a.category);
            opt(ctx, &mut a.target);
            opt(ctx, &mut a.outcome);
            raw(ctx, &mut a.raw);
        }
    }
}

fn page(ctx: &InstanceContext, p: &mut Page) {
    for r in &mut p.records {
        record(ctx, r);
    }
    // The cursor goes back to the plugin only; it is scrubbed, not neutralised.
    if let Some(c) = &mut p.cursor {
        ctx.scrub(c);
    }
}

/// Scrub every plugin-originated text of `out`.
pub(super) fn output(ctx: &InstanceContext, out: &mut CallOutput) {
    match out {
        // `describe` runs with no secrets; what it says is shown in lists.
        CallOutput::Info(i) => {
            text(ctx, &mut i.id);
            text(ctx, &mut i.version);
            text(ctx, &mut i.app);
            for s in &mut i.streams {
                text(ctx, &mut s.name);
                text(ctx, &mut s.description);
            }
            for a in &mut i.actions {
                text(ctx, a);
            }
        }
        CallOutput::Check(Ok(a)) => {
            text(ctx, &mut a.id);
            opt(ctx, &mut a.name);
            opt(ctx, &mut a.plan);
            opt(ctx, &mut a.owner);
            raw(ctx, &mut a.raw);
        }
        CallOutput::Page(Ok(p)) => page(ctx, p),
        CallOutput::Findings(Ok(findings)) => {
            for f in findings {
                text(ctx, &mut f.id);
                text(ctx, &mut f.title);
                multiline(ctx, &mut f.evidence);
                multiline(ctx, &mut f.remediation);
            }
        }
        CallOutput::Outcome(Ok(o)) => message(ctx, &mut o.detail),
        CallOutput::Check(Err(e))
        | CallOutput::Page(Err(e))
        | CallOutput::Findings(Err(e))
        | CallOutput::Outcome(Err(e)) => connector(ctx, e),
    }
}

/// Scrub the plugin-originated text of `e` (its message, trap detail and
/// guest stderr, or output detail).
pub(super) fn error(ctx: &InstanceContext, e: &mut CallError) {
    match e {
        CallError::Connector(c) => connector(ctx, c),
        CallError::Trap { detail, .. }
        | CallError::InvalidOutput { detail, .. }
        | CallError::UpstreamTimeout { detail, .. } => message(ctx, detail),
        CallError::Timeout { .. } => {}
    }
}
