//! Plugins and what each current version was granted, as a capability
//! matrix; the versions kept for rollback; and each plugin's pending
//! upgrade (a new version that asks for more than the current version was
//! approved for, submitted without approval): where it came from, its
//! approval diff, and the forms that approve or refuse it (the API's
//! `POST /v1/plugins/{id}/pending/approve|refuse`, audited as the session's
//! token). The approve form names the version shown, so a page left open
//! while another upgrade replaced it cannot approve the newer one.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use plugboard_core::store::PendingUpgrade;
use serde::Deserialize;

use super::St;
use super::layout::{
    Nav, clean, clean_block, csrf, enc, error_box, notice, page, page_with_status, redirect, when,
};
use super::session::Session;
use crate::manifest::Manifest;
use crate::registry::describe_request;
use crate::registry::{self, Grant, RegistryError};

/// Most diff lines shown per pending upgrade (the rest are counted).
const MAX_DIFF_LINES: usize = 200;

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    msg: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PendingForm {
    #[serde(default)]
    version: String,
}

/// Where a pending upgrade came from, and how its signature was judged.
fn origin_text(p: &PendingUpgrade) -> (String, String) {
    match &p.origin {
        None => ("unknown".into(), "unknown".into()),
        Some(o) => {
            let signer = match (&o.publisher, &o.allowed_unsigned) {
                (Some(k), _) => format!("signed by trusted key {k}"),
                (None, Some(why)) => format!("allowed unsigned ({why})"),
                (None, None) => "not checked".into(),
            };
            (format!("{} ({})", o.reference, o.digest), signer)
        }
    }
}

fn pending_panel(s: &Session, p: &PendingUpgrade) -> Markup {
    let (origin, signer) = origin_text(p);
    let head = format!("pending-{}-h", p.id);
    let shown = p.changes.iter().take(MAX_DIFF_LINES);
    let more = p.changes.len().saturating_sub(MAX_DIFF_LINES);
    html! {
        section class="panel pending" aria-labelledby=(head) {
            h3 id=(head) { "Pending upgrade of " (clean(&p.id, 80)) " to " (clean(&p.version, 40)) }
            dl class="facts" {
                dt { "Compared with" } dd { "version " (clean(&p.against, 40)) " (current)" }
                dt { "Origin" } dd { (clean(&origin, 400)) }
                dt { "Signature" } dd { (clean(&signer, 300)) }
                dt { "Submitted" } dd { (when(Some(&p.submitted_at))) " by " (clean(&p.submitted_by, 120)) }
                dt { "Reveal secrets" } dd { @if p.grant_reveal { span class="badge sev-high" { "asked for" } } @else { "no" } }
            }
            h4 { "What it asks for beyond the current approval" }
            @if p.changes.is_empty() {
                p class="muted" { "No difference." }
            } @else {
                ul class="diff" {
                    @for line in shown { li { (clean(line, 300)) } }
                    @if more > 0 { li class="muted" { "… and " (more) " more lines" } }
                }
            }
            div class="actions" {
                form method="post" action={"/plugins/" (enc(&p.id)) "/pending/approve"} class="inline-form" {
                    (csrf(s))
                    input type="hidden" name="version" value=(p.version);
                    button type="submit" class="btn btn-primary" id={"approve-" (p.id)} {
                        "Approve " (clean(&p.version, 40))
                    }
                }
                form method="post" action={"/plugins/" (enc(&p.id)) "/pending/refuse"} class="inline-form" {
                    (csrf(s))
                    input type="hidden" name="version" value=(p.version);
                    button type="submit" class="btn btn-danger" id={"refuse-" (p.id)} {
                        "Refuse " (clean(&p.version, 40))
                    }
                }
            }
        }
    }
}

fn list_cell(items: &[String]) -> Markup {
    html! {
        @if items.is_empty() {
            span class="muted" { "none" }
        } @else {
            ul class="cell-list" { @for i in items { li { (clean(i, 200)) } } }
        }
    }
}

/// `GET /plugins`.
pub(super) async fn list(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Response {
    let rows = match c.shared.store.plugins() {
        Ok(r) => r,
        Err(e) => {
            return page(
                &s,
                Nav::Plugins,
                "Plugins",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let parsed: Vec<_> = rows
        .iter()
        .map(|r| {
            let m = Manifest::parse(&r.manifest).ok();
            let g: Option<Grant> = serde_json::from_str(&r.grant_json).ok();
            let versions = c
                .shared
                .store
                .plugin_versions(&r.id)
                .map(|v| v.into_iter().map(|v| v.version).collect::<Vec<_>>())
                .unwrap_or_default();
            (r, m, g, versions)
        })
        .collect();
    let pending: BTreeMap<String, PendingUpgrade> = match c.shared.store.pendings() {
        Ok(p) => p.into_iter().map(|p| (p.id.clone(), p)).collect(),
        Err(e) => {
            return page(
                &s,
                Nav::Plugins,
                "Plugins",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let body = html! {
        div class="page-head" { h1 { "Plugins" } }
        @if let Some(m) = notice(q.msg.as_deref()) { div class="alert alert-ok" role="status" id="notice" { (m) } }
        p class="lead" { "What each plugin's current version may do, as the operator approved it. Anything not listed is refused by the host." }
        @if parsed.is_empty() {
            p class="empty" { "No plugin is added yet: " code { "plugboard plugin add DIR" } "." }
        } @else {
            div class="scroll" {
                table class="data matrix" {
                    caption { "Capability matrix" }
                    thead { tr {
                        th scope="col" { "Plugin" }
                        th scope="col" { "Network (egress)" }
                        th scope="col" { "Auth profiles" }
                        th scope="col" { "Secrets" }
                        th scope="col" { "Rate buckets" }
                        th scope="col" { "Actions" }
                        th scope="col" { "Reveal secrets" }
                    } }
                    tbody {
                        @for (r, m, g, _) in &parsed {
                            tr {
                                th scope="row" {
                                    (clean(m.as_ref().map_or(&r.id, |m| &m.name), 80))
                                    br; span class="muted" { (clean(&r.id, 80)) " " (clean(&r.version, 40)) }
                                }
                                @match g {
                                    Some(g) => {
                                        td { (list_cell(&g.egress)) }
                                        td { (list_cell(&g.auth)) }
                                        td { (list_cell(&m.as_ref().map(|m| m.secrets.iter().map(|f| f.name.clone()).collect::<Vec<_>>()).unwrap_or_default())) }
                                        td { (list_cell(&m.as_ref().map(|m| m.ratelimit.buckets.iter().map(|b| b.name.clone()).collect::<Vec<_>>()).unwrap_or_default())) }
                                        td { (list_cell(&g.actions)) }
                                        td { @if g.reveal_secrets { span class="badge sev-high" { "granted" } } @else { span class="muted" { "no" } } }
                                    }
                                    None => { td colspan="6" { (error_box(plugboard_core::Blame::Host, "The stored grant does not parse.")) } }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="up-h" id="upgrades" {
                h2 id="up-h" { "Pending upgrades" }
                @if pending.is_empty() {
                    p { "No upgrade is waiting for approval. A new version that asks for more than its plugin's current version was approved for, submitted without approval (" code { "POST /v1/plugins" } ", " code { "POST /v1/plugins/{id}/upgrade" } "), waits here. Older versions stay for " code { "plugboard plugin rollback" } "." }
                } @else {
                    p { "Each new version below asks for more than its plugin's current version was approved for. Approving makes it current with everything it asks for; refusing drops it. Either is recorded in the audit log under your token's name." }
                    @for p in pending.values() { (pending_panel(&s, p)) }
                }
            }
            @for (r, m, g, versions) in &parsed {
                section class="panel" aria-labelledby={"p-" (r.id)} {
                    h2 id={"p-" (r.id)} { (clean(m.as_ref().map_or(&r.id, |m| &m.name), 80)) " " span class="muted" { (clean(&r.version, 40)) } }
                    dl class="facts" {
                        dt { "Versions kept" } dd { (clean(&versions.join(", "), 400)) }
                        dt { "Approved by" } dd { (clean(g.as_ref().map_or("?", |g| g.approved_by.as_str()), 80)) }
                        dt { "Added" } dd { (when(Some(&r.added_at))) }
                    }
                    @if let Some(m) = m {
                        details {
                            summary { "What it asked for at approval" }
                            pre { (clean_block(&describe_request(m, g.as_ref().is_some_and(|g| g.reveal_secrets)), 8_000)) }
                        }
                    }
                }
            }
        }
    };
    page(&s, Nav::Plugins, "Plugins", body)
}

/// The answer to a refused approve or refuse: the error, and the way back.
fn not_done(s: &Session, title: &str, e: &RegistryError) -> Response {
    let status = match e {
        RegistryError::NoPending(_) | RegistryError::NotAdded(_) => StatusCode::NOT_FOUND,
        RegistryError::PendingVersion { .. }
        | RegistryError::PendingStale(_)
        | RegistryError::NotAnUpgrade { .. }
        | RegistryError::Store(plugboard_core::store::StoreError::Changed { .. }) => {
            StatusCode::CONFLICT
        }
        _ if e.blame() == plugboard_core::Blame::Host => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    page_with_status(
        status,
        s,
        Nav::Plugins,
        title,
        html! {
            div class="page-head" { h1 { (title) } }
            (error_box(e.blame(), &e.to_string()))
            p { a href="/plugins#upgrades" { "Back to the pending upgrades" } }
        },
    )
}

/// `POST /plugins/{id}/pending/approve`: approve the version the form shows.
pub(super) async fn approve(
    State(c): St,
    Extension(s): Extension<Session>,
    Path(id): Path<String>,
    Form(f): Form<PendingForm>,
) -> Response {
    on_pending(&s, &id, &f.version, "approved", |id, version| {
        registry::approve_pending(&c.shared.home, &c.shared.store, id, version, &s.actor())
            .map(drop)
    })
}

/// `POST /plugins/{id}/pending/refuse`: drop the version the form shows.
pub(super) async fn refuse(
    State(c): St,
    Extension(s): Extension<Session>,
    Path(id): Path<String>,
    Form(f): Form<PendingForm>,
) -> Response {
    on_pending(&s, &id, &f.version, "refused", |id, version| {
        registry::refuse_pending(
            &c.shared.home,
            &c.shared.store,
            id,
            Some(version),
            &s.actor(),
        )
        .map(drop)
    })
}

/// Check the plugin id of the path and the version the form names, then
/// `act` on that pending upgrade; back to the plugins page with
/// `upgrade-{done}`, or a page saying why it was not `done`.
fn on_pending(
    s: &Session,
    id: &str,
    version: &str,
    done: &str,
    act: impl FnOnce(&str, &str) -> Result<(), RegistryError>,
) -> Response {
    if !crate::manifest::is_plugin_id(id) {
        let e = RegistryError::NoPending(plugboard_core::text::quoted(id));
        return not_done(s, "No such upgrade", &e);
    }
    let result = crate::manifest::check_version(version)
        .map_err(RegistryError::from)
        .and_then(|()| act(id, version));
    match result {
        Ok(()) => redirect(&format!("/plugins?msg=upgrade-{done}")),
        Err(e) => not_done(s, &format!("Upgrade not {done}"), &e),
    }
}
