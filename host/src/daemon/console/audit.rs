//! The audit log: every governance attempt, whatever its outcome.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::St;
use super::layout::{Nav, clean, error_box, page, pill, when};
use super::session::Session;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Filter {
    instance: Option<String>,
}

/// `GET /audit`.
pub(super) async fn list(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<Filter>,
) -> Response {
    let instance = q.instance.filter(|i| !i.is_empty());
    let rows = match c.shared.store.audit(instance.as_deref(), 500) {
        Ok(r) => r,
        Err(e) => {
            return page(
                &s,
                Nav::Audit,
                "Audit log",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let body = html! {
        div class="page-head" { h1 { "Audit log" } }
        p class="lead" { "Every governance action attempted, from the console, the CLI or the API, with its outcome (newest first; the last 500)." }
        @if rows.is_empty() {
            p class="empty" { "Nothing audited yet." }
        } @else {
            table class="data" {
                thead { tr {
                    th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "Instance" }
                    th scope="col" { "Action" } th scope="col" { "Target" } th scope="col" { "Outcome" } th scope="col" { "Detail" }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            th scope="row" { (when(Some(&r.at))) }
                            td { (clean(&r.actor, 120)) }
                            td { (clean(r.instance_id.as_deref().unwrap_or("—"), 120)) }
                            td { (clean(&r.action, 80)) }
                            td { (clean(r.target.as_deref().unwrap_or(""), 200)) }
                            td { (pill(match r.outcome.as_str() { "applied" => "ok", "dry-run" => "idle", "denied" | "failed" => "bad", _ => "warn" }, &clean(&r.outcome, 40))) }
                            td class="evidence" { (clean(r.detail.as_deref().unwrap_or(""), 400)) }
                        }
                    }
                }
            }
        }
    };
    page(&s, Nav::Audit, "Audit log", body)
}
