//! Scrubbing secret values and tokens out of what a call returns.
//!
//! Threat: a plugin granted `secrets.reveal` (or one that had a value echoed
//! back by an upstream) puts a secret into an error message, a panic, a
//! finding or a record, and the host would carry it into logs, the store and
//! the command line. Decision: every text a call returns passes
//! [`InstanceContext::scrub`] at the call boundary, before anything else
//! sees it. Records are scrubbed only when the plugin holds the reveal grant
//! (otherwise it never had a value to leak, and upstream data such as a
//! client id named in an audit event must stay as it is); they are scrubbed
//! before page validation, so a replacement that broke a record's JSON is
//! refused like any other bad output.

use plugboard_core::model::{ConnectorError, Page, Record};

use super::bindings::CallOutput;
use super::{CallError, InstanceContext};

fn text(ctx: &InstanceContext, s: &mut String) {
    ctx.scrub(s);
}

fn opt(ctx: &InstanceContext, s: &mut Option<String>) {
    if let Some(s) = s {
        ctx.scrub(s);
    }
}

fn connector(ctx: &InstanceContext, e: &mut ConnectorError) {
    text(ctx, &mut e.message);
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
            text(ctx, &mut a.raw);
        }
        Record::Group(g) => {
            text(ctx, &mut g.id);
            text(ctx, &mut g.name);
            text(ctx, &mut g.raw);
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
            text(ctx, &mut r.raw);
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
            text(ctx, &mut a.raw);
        }
    }
}

fn page(ctx: &InstanceContext, p: &mut Page) {
    if ctx.secrets.reveal_granted() {
        for r in &mut p.records {
            record(ctx, r);
        }
        opt(ctx, &mut p.cursor);
    }
}

/// Scrub every plugin-originated text of `out`.
pub(super) fn output(ctx: &InstanceContext, out: &mut CallOutput) {
    match out {
        // Ids and stream names are checked against the manifest; nothing
        // from `describe` is secret-bearing.
        CallOutput::Info(_) => {}
        CallOutput::Check(Ok(a)) => {
            text(ctx, &mut a.id);
            opt(ctx, &mut a.name);
            opt(ctx, &mut a.plan);
            opt(ctx, &mut a.owner);
            text(ctx, &mut a.raw);
        }
        CallOutput::Page(Ok(p)) => page(ctx, p),
        CallOutput::Findings(Ok(findings)) => {
            for f in findings {
                text(ctx, &mut f.title);
                text(ctx, &mut f.evidence);
                text(ctx, &mut f.remediation);
            }
        }
        CallOutput::Outcome(Ok(o)) => text(ctx, &mut o.detail),
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
        | CallError::UpstreamTimeout { detail, .. } => text(ctx, detail),
        CallError::Timeout { .. } => {}
    }
}
