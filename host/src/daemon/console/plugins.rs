//! Plugins and what each current version was granted, as a capability
//! matrix; the versions kept for rollback. Plugboard has no pending-upgrade
//! state to approve here: an upgrade is approved when it is submitted
//! (`plugboard plugin upgrade` or `POST /v1/plugins/{id}/upgrade` show the
//! "asks for more" diff and need the approval in the same request).

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::St;
use super::layout::{Nav, clean, clean_block, error_box, page, when};
use super::session::Session;
use crate::manifest::Manifest;
use crate::registry::Grant;
use crate::registry::describe_request;

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
pub(super) async fn list(State(c): St, Extension(s): Extension<Session>) -> Response {
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
    let body = html! {
        div class="page-head" { h1 { "Plugins" } }
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
            section aria-labelledby="up-h" {
                h2 id="up-h" { "Upgrades" }
                p { "No upgrade is waiting for approval: Plugboard approves an upgrade in the request that submits it (" code { "plugboard plugin upgrade" } " shows what the new version asks for beyond this grant and needs " code { "--yes" } "). Older versions stay for " code { "plugboard plugin rollback" } "." }
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
