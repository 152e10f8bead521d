//! Findings (posture checks) across instances, by severity, filterable by
//! severity, instance and status; a finding's page with its evidence and
//! remediation.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use plugboard_core::Blame;
use plugboard_core::model::{Finding, FindingStatus, Severity};
use serde::Deserialize;

use super::St;
use super::layout::{
    Nav, clean, clean_block, enc, error_box, page, page_with_status, pill, severity,
};
use super::session::Session;

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
const STATUSES: [&str; 4] = ["fail", "partial", "unknown", "pass"];

#[derive(Debug, Default, Deserialize)]
pub(super) struct Filter {
    severity: Option<String>,
    instance: Option<String>,
    status: Option<String>,
}

fn status_pill(s: FindingStatus) -> maud::Markup {
    let kind = match s {
        FindingStatus::Pass => "ok",
        FindingStatus::Fail => "bad",
        FindingStatus::Partial => "warn",
        FindingStatus::Unknown => "idle",
    };
    pill(kind, s.as_str())
}

fn rank(f: &Finding) -> (u8, std::cmp::Reverse<Severity>) {
    let status = match f.status {
        FindingStatus::Fail => 0,
        FindingStatus::Partial => 1,
        FindingStatus::Unknown => 2,
        FindingStatus::Pass => 3,
    };
    (status, std::cmp::Reverse(f.severity))
}

fn nonempty(o: &Option<String>) -> Option<&str> {
    o.as_deref().filter(|s| !s.is_empty())
}

/// `GET /findings`.
pub(super) async fn list(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<Filter>,
) -> Response {
    let all = match c.shared.store.findings(None) {
        Ok(f) => f,
        Err(e) => {
            return page(
                &s,
                Nav::Findings,
                "Findings",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let instances: std::collections::BTreeSet<&str> = all.iter().map(|(i, _)| i.as_str()).collect();
    let mut shown: Vec<&(String, Finding)> = all
        .iter()
        .filter(|(i, f)| {
            nonempty(&q.severity).is_none_or(|s| f.severity.as_str() == s)
                && nonempty(&q.instance).is_none_or(|x| i == x)
                && nonempty(&q.status).is_none_or(|s| f.status.as_str() == s)
        })
        .collect();
    shown.sort_by_key(|(i, f)| (rank(f), i.clone()));
    let failing = |sev: &str| {
        all.iter()
            .filter(|(_, f)| f.severity.as_str() == sev && f.status != FindingStatus::Pass)
            .count()
    };
    let body = html! {
        div class="page-head" { h1 { "Findings" } }
        ul class="summary" aria-label="Open findings by severity" {
            @for sev in SEVERITIES {
                li class={"tile tile-" (sev)} {
                    a href={"/findings?severity=" (sev)} {
                        span class="tile-n" { (failing(sev)) }
                        span class="tile-l" { (sev) }
                    }
                }
            }
        }
        form method="get" action="/findings" class="filters" {
            div class="field" {
                label for="q-severity" { "Severity" }
                select id="q-severity" name="severity" {
                    option value="" { "Any" }
                    @for sev in SEVERITIES { option value=(sev) selected[nonempty(&q.severity) == Some(sev)] { (sev) } }
                }
            }
            div class="field" {
                label for="q-instance" { "Instance" }
                select id="q-instance" name="instance" {
                    option value="" { "Any" }
                    @for i in &instances { option value=(i) selected[nonempty(&q.instance) == Some(*i)] { (clean(i, 120)) } }
                }
            }
            div class="field" {
                label for="q-status" { "Status" }
                select id="q-status" name="status" {
                    option value="" { "Any" }
                    @for st in STATUSES { option value=(st) selected[nonempty(&q.status) == Some(st)] { (st) } }
                }
            }
            div class="field field-button" { button type="submit" class="btn" { "Filter" } }
        }
        @if shown.is_empty() {
            p class="empty" { "No finding matches. Findings appear after an instance's posture phase has run." }
        } @else {
            table class="data" {
                caption class="sr-only" { "Findings, failing and most severe first" }
                thead { tr {
                    th scope="col" { "Severity" } th scope="col" { "Status" } th scope="col" { "Check" }
                    th scope="col" { "Instance" } th scope="col" { "Evidence" }
                } }
                tbody {
                    @for (inst, f) in &shown {
                        tr {
                            td { (severity(f.severity.as_str())) }
                            td { (status_pill(f.status)) }
                            th scope="row" { a href={"/findings/" (enc(inst)) "/" (enc(&f.id))} { (clean(&f.title, 200)) } }
                            td { (clean(inst, 120)) }
                            td class="evidence" { (clean(&f.evidence, 160)) }
                        }
                    }
                }
            }
        }
    };
    page(&s, Nav::Findings, "Findings", body)
}

/// `GET /findings/{instance}/{check}`.
pub(super) async fn show(
    State(c): St,
    Extension(s): Extension<Session>,
    Path((instance, check)): Path<(String, String)>,
) -> Response {
    let found = match c.shared.store.findings(Some(&instance)) {
        Ok(f) => f.into_iter().map(|(_, f)| f).find(|f| f.id == check),
        Err(e) => {
            return page(
                &s,
                Nav::Findings,
                "Finding",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let Some(f) = found else {
        return page_with_status(
            StatusCode::NOT_FOUND,
            &s,
            Nav::Findings,
            "Finding",
            error_box(
                Blame::Operator,
                "No such finding: the instance's last posture phase did not report it.",
            ),
        );
    };
    let body = html! {
        p class="crumbs" { a href="/findings" { "Findings" } " / " (clean(&instance, 120)) }
        div class="page-head" { h1 { (clean(&f.title, 300)) } }
        p { (severity(f.severity.as_str())) " " (status_pill(f.status)) " "
            span class="muted" { "check " code { (clean(&f.id, 120)) } " on " a href={"/instances/" (enc(&instance))} { (clean(&instance, 120)) } } }
        section aria-labelledby="ev-h" class="panel" {
            h2 id="ev-h" { "Evidence" }
            pre class="evidence" { (clean_block(&f.evidence, 8_000)) }
        }
        section aria-labelledby="rem-h" class="panel" {
            h2 id="rem-h" { "Remediation" }
            p class="remediation" { (clean_block(&f.remediation, 8_000)) }
        }
    };
    page(&s, Nav::Findings, &clean(&f.title, 80), body)
}
