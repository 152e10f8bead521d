//! Instances: the list with health and schedules (the console's home page),
//! the add form generated from a plugin's fields, an instance's page with
//! its runs, charts and timeline, scan now and Connect.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use maud::{Markup, html};
use plugboard_core::Blame;
use plugboard_core::store::SyncRun;
use serde::Deserialize;

use super::St;
use super::charts::{self, Span};
use super::layout::{
    Nav, clean, csrf, enc, error_box, notice, page, page_with_status, pill, redirect, when,
};
use super::session::Session;
use crate::daemon::{DaemonError, InstanceStatus, secrets_from};
use crate::instance::NewInstance;
use crate::manifest::Manifest;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Msg {
    msg: Option<String>,
}

/// An instance's health in one word, and its pill class.
fn health(st: &InstanceStatus) -> (&'static str, &'static str) {
    if !st.enabled {
        return ("idle", "disabled");
    }
    if st.connections.iter().any(|c| c.status != "connected") {
        return ("warn", "needs consent");
    }
    if st.phases.iter().any(|p| p.last_error.is_some()) {
        return ("bad", "failing");
    }
    if !st.phases.is_empty() && st.phases.iter().all(|p| p.last_success_at.is_some()) {
        return ("ok", "healthy");
    }
    if st.phases.iter().any(|p| p.last_started_at.is_some()) {
        return ("idle", "first scan running");
    }
    ("idle", "waiting for first scan")
}

fn daemon_error(e: &DaemonError) -> Markup {
    error_box(e.blame(), &e.to_string())
}

/// `GET /`: every instance with its health, and per phase its last and next
/// run; a scan-now button each.
pub(super) async fn list(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<Msg>,
) -> Response {
    let rows = match c.shared.store.instances() {
        Ok(r) => r,
        Err(e) => {
            return page(
                &s,
                Nav::Instances,
                "Instances",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let statuses: Vec<Result<InstanceStatus, DaemonError>> =
        rows.iter().map(|r| c.shared.status(&r.id)).collect();
    let body = html! {
        div class="page-head" {
            h1 { "Instances" }
            a class="btn btn-primary" href="/instances/new" { "Add instance" }
        }
        @if let Some(m) = notice(q.msg.as_deref()) { div class="alert alert-ok" role="status" { (m) } }
        @if statuses.is_empty() {
            div class="empty" {
                p { "No instances yet. An instance is one connected app account (a Zoom account, an Azure tenant) run by a plugin." }
                p { a href="/instances/new" { "Add the first instance" } }
            }
        } @else {
            table class="data" {
                caption class="sr-only" { "Instances, their health and their scan phases" }
                thead { tr {
                    th scope="col" { "Instance" }
                    th scope="col" { "Plugin" }
                    th scope="col" { "Health" }
                    th scope="col" { "Phase" }
                    th scope="col" { "Last success" }
                    th scope="col" { "Next run" }
                    th scope="col" { span class="sr-only" { "Actions" } }
                } }
                @for st in &statuses {
                    @match st {
                        Ok(st) => {
                            @let (kind, word) = health(st);
                            @let n = st.phases.len().max(1);
                            tbody class="instance" {
                                @for (i, p) in st.phases.iter().enumerate() {
                                    tr {
                                        @if i == 0 {
                                            th scope="row" rowspan=(n) { a href={"/instances/" (enc(&st.id))} { (clean(&st.id, 120)) } }
                                            td rowspan=(n) { (clean(&st.plugin, 80)) }
                                            td rowspan=(n) { (pill(kind, word)) }
                                        }
                                        td { (clean(&p.phase, 40)) @if p.last_error.is_some() { " " (pill("bad", "error")) } }
                                        td { (when(p.last_success_at.as_deref())) }
                                        td { (when(p.next_run_at.as_deref())) }
                                        @if i == 0 {
                                            td rowspan=(n) class="actions" {
                                                @if st.enabled {
                                                    form method="post" action={"/instances/" (enc(&st.id)) "/scan"} {
                                                        (csrf(&s))
                                                        button type="submit" class="btn" { "Scan now" span class="sr-only" { " " (clean(&st.id, 120)) } }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                                @if st.phases.is_empty() {
                                    tr {
                                        th scope="row" { a href={"/instances/" (enc(&st.id))} { (clean(&st.id, 120)) } }
                                        td { (clean(&st.plugin, 80)) }
                                        td { (pill(kind, word)) }
                                        td colspan="3" class="muted" { "No phase has run yet." }
                                        td class="actions" {
                                            @if st.enabled {
                                                form method="post" action={"/instances/" (enc(&st.id)) "/scan"} {
                                                    (csrf(&s))
                                                    button type="submit" class="btn" { "Scan now" span class="sr-only" { " " (clean(&st.id, 120)) } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        Err(e) => { tbody { tr { td colspan="7" { (daemon_error(e)) } } } }
                    }
                }
            }
        }
    };
    page(&s, Nav::Instances, "Instances", body)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewQuery {
    plugin: Option<String>,
}

/// The add form for `manifest`, with `values` (settings only: secrets are
/// never written back into a page) and an error above it.
fn add_form(
    s: &Session,
    m: &Manifest,
    values: &BTreeMap<String, String>,
    error: Option<Markup>,
) -> Markup {
    let value = |k: &str| values.get(k).cloned();
    html! {
        div class="page-head" { h1 { "Add a " (clean(&m.name, 80)) " instance" } }
        @if let Some(e) = error { (e) }
        p class="lead" { (clean(&m.description, 600)) }
        form method="post" action="/instances/new" class="form" {
            (csrf(s))
            input type="hidden" name="plugin" value=(m.id);
            fieldset {
                legend { "Instance" }
                div class="field" {
                    label for="f-id" { "Instance name" span class="req" aria-hidden="true" { " *" } }
                    input id="f-id" name="id" type="text" required pattern="[a-z0-9][a-z0-9._-]*" value=[value("id")] aria-describedby="f-id-hint" autocomplete="off";
                    p class="hint" id="f-id-hint" { "Lower-case letters, digits, '.', '_' and '-'; unique on this host." }
                }
            }
            @if !m.config.is_empty() {
                fieldset {
                    legend { "Settings" }
                    @for f in &m.config {
                        @let id = format!("f-config-{}", f.name);
                        @let name = format!("config.{}", f.name);
                        div class="field" {
                            label for=(id) { (clean(&f.name, 80)) @if f.required { span class="req" aria-hidden="true" { " *" } } }
                            @if f.choices.is_empty() {
                                input id=(id) name=(name) type="text" required[f.required] value=[value(&name).or_else(|| f.default.clone())] aria-describedby={(id) "-hint"} autocomplete="off";
                            } @else {
                                @let chosen = value(&name).or_else(|| f.default.clone());
                                select id=(id) name=(name) required[f.required] aria-describedby={(id) "-hint"} {
                                    @for choice in &f.choices {
                                        option value=(choice) selected[chosen.as_deref() == Some(choice.as_str())] { (clean(choice, 80)) }
                                    }
                                }
                            }
                            p class="hint" id={(id) "-hint"} { (clean(&f.description, 400)) }
                        }
                    }
                }
            }
            @if !m.secrets.is_empty() {
                fieldset {
                    legend { "Secrets" }
                    p class="hint" { "Sealed at rest; write-only: never shown again, here or anywhere." }
                    @for f in &m.secrets {
                        @let id = format!("f-secret-{}", f.name);
                        div class="field" {
                            label for=(id) { (clean(&f.name, 80)) @if f.required { span class="req" aria-hidden="true" { " *" } } }
                            input id=(id) name={"secret." (f.name)} type="password" autocomplete="off" required[f.required] aria-describedby={(id) "-hint"} spellcheck="false";
                            p class="hint" id={(id) "-hint"} { (clean(&f.description, 400)) }
                        }
                    }
                }
            }
            fieldset {
                legend { "Upstream routes (optional)" }
                div class="field" {
                    label for="f-upstreams" { "Routes" }
                    textarea id="f-upstreams" name="upstreams" rows="3" aria-describedby="f-upstreams-hint" spellcheck="false" { (value("upstreams").unwrap_or_default()) }
                    p class="hint" id="f-upstreams-hint" { "One per line: " code { "https://api.example.com = https://proxy.internal:8443" } ". Sends the plugin's requests for an origin to another address (a proxy, a test server); leave empty for the real app." }
                }
            }
            div class="form-actions" {
                button type="submit" class="btn btn-primary" { "Add instance" }
                a class="btn btn-quiet" href="/" { "Cancel" }
            }
        }
    }
}

fn manifest_of(c: &super::Console, plugin: &str) -> Result<Option<Manifest>, (Blame, String)> {
    let row = c
        .shared
        .store
        .plugin(plugin)
        .map_err(|e| (e.blame(), e.to_string()))?;
    match row {
        None => Ok(None),
        Some(r) => Manifest::parse(&r.manifest).map(Some).map_err(|e| {
            (
                Blame::Host,
                format!("the stored manifest of {plugin} does not parse: {e}"),
            )
        }),
    }
}

/// `GET /instances/new`: pick a plugin, then its form.
pub(super) async fn new_form(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<NewQuery>,
) -> Response {
    if let Some(p) = q.plugin.as_deref() {
        return match manifest_of(&c, p) {
            Ok(Some(m)) => page(
                &s,
                Nav::Instances,
                "Add instance",
                add_form(&s, &m, &BTreeMap::new(), None),
            ),
            Ok(None) => page_with_status(
                StatusCode::NOT_FOUND,
                &s,
                Nav::Instances,
                "Add instance",
                error_box(Blame::Operator, "No such plugin; pick one below."),
            ),
            Err((b, e)) => page(&s, Nav::Instances, "Add instance", error_box(b, &e)),
        };
    }
    let plugins = c.shared.store.plugins();
    let body = html! {
        div class="page-head" { h1 { "Add an instance" } }
        @match &plugins {
            Err(e) => { (error_box(e.blame(), &e.to_string())) }
            Ok(ps) if ps.is_empty() => {
                div class="empty" { p { "No plugin is added yet: add one with " code { "plugboard plugin add" } " (the operator approves what it asks for)." } }
            }
            Ok(ps) => {
                p { "Which app? Each plugin below was approved by an operator." }
                ul class="cards" {
                    @for p in ps {
                        @let m = Manifest::parse(&p.manifest).ok();
                        li class="card" {
                            h2 { a href={"/instances/new?plugin=" (enc(&p.id))} { (clean(m.as_ref().map_or(&p.id, |m| &m.name), 80)) } }
                            p class="muted" { (clean(&p.id, 80)) " " (clean(&p.version, 40)) }
                            @if let Some(m) = &m { p { (clean(&m.description, 300)) } }
                        }
                    }
                }
            }
        }
    };
    page(&s, Nav::Instances, "Add instance", body)
}

/// The `origin = url` lines of the routes field.
fn routes(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (from, to) = line
            .split_once('=')
            .or_else(|| line.split_once(char::is_whitespace))
            .ok_or_else(|| format!("route {:?} is not `origin = url`", clean(line, 200)))?;
        out.insert(from.trim().to_string(), to.trim().to_string());
    }
    Ok(out)
}

/// `POST /instances/new`: add through [`crate::daemon::Shared::add_instance`]
/// (the API's `POST /v1/instances`).
pub(super) async fn create(
    State(c): St,
    Extension(s): Extension<Session>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let mut values = BTreeMap::new();
    let mut config = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for (k, v) in form {
        if let Some(name) = k.strip_prefix("secret.") {
            if !v.is_empty() {
                secrets.insert(name.to_string(), v);
            }
            continue;
        }
        if let Some(name) = k.strip_prefix("config.")
            && !v.trim().is_empty()
        {
            config.insert(name.to_string(), v.trim().to_string());
        }
        if k != "csrf" {
            values.insert(k, v);
        }
    }
    let plugin = values.get("plugin").cloned().unwrap_or_default();
    let m = match manifest_of(&c, &plugin) {
        Ok(Some(m)) => m,
        Ok(None) => {
            return page_with_status(
                StatusCode::NOT_FOUND,
                &s,
                Nav::Instances,
                "Add instance",
                error_box(Blame::Operator, "No such plugin."),
            );
        }
        Err((b, e)) => return page(&s, Nav::Instances, "Add instance", error_box(b, &e)),
    };
    let upstreams = match routes(values.get("upstreams").map_or("", String::as_str)) {
        Ok(r) => r,
        Err(e) => {
            return page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &s,
                Nav::Instances,
                "Add instance",
                add_form(&s, &m, &values, Some(error_box(Blame::Operator, &e))),
            );
        }
    };
    let id = values
        .get("id")
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let new = NewInstance {
        id: id.clone(),
        plugin,
        config,
        secrets: secrets_from(secrets),
        upstreams,
    };
    match c.shared.add_instance(new).await {
        Ok(_) => redirect(&format!("/instances/{}?msg=added", enc(&id))),
        Err(e) => page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &s,
            Nav::Instances,
            "Add instance",
            add_form(&s, &m, &values, Some(daemon_error(&e))),
        ),
    }
}

/// Records a run committed, from its stored report.
fn run_records(r: &SyncRun) -> f64 {
    serde_json::from_str::<serde_json::Value>(&r.stats_json)
        .ok()
        .and_then(|v| {
            v["streams"]
                .as_array()
                .map(|s| s.iter().filter_map(|s| s["records"].as_u64()).sum::<u64>() as f64)
        })
        .unwrap_or(0.0)
}

fn parse_time(t: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
}

/// A run's wall time in seconds, once it finished.
fn run_seconds(r: &SyncRun) -> Option<f64> {
    let (a, b) = (
        parse_time(&r.started_at)?,
        parse_time(r.finished_at.as_deref()?)?,
    );
    Some((b - a).as_seconds_f64().max(0.0))
}

fn run_class(status: &str) -> &'static str {
    match status {
        "succeeded" => "ok",
        "failed" => "bad",
        "partial" => "warn",
        _ => "idle",
    }
}

/// `GET /instances/{id}`.
pub(super) async fn show(
    State(c): St,
    Extension(s): Extension<Session>,
    Path(id): Path<String>,
    Query(q): Query<Msg>,
) -> Response {
    let st = match c.shared.status(&id) {
        Ok(st) => st,
        Err(e) => {
            let status = match e {
                DaemonError::NoInstance(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            return page_with_status(status, &s, Nav::Instances, "Instance", daemon_error(&e));
        }
    };
    let mut runs = c.shared.store.last_runs(&id, 50).unwrap_or_default();
    runs.reverse(); // oldest first for the charts
    let label = |r: &SyncRun| format!("#{}", r.id);
    let records: Vec<(String, f64)> = runs.iter().map(|r| (label(r), run_records(r))).collect();
    let durations: Vec<(String, f64)> = runs
        .iter()
        .filter_map(|r| run_seconds(r).map(|d| (label(r), d)))
        .collect();
    let t0 = runs.first().and_then(|r| parse_time(&r.started_at));
    let spans: Vec<Span> = runs
        .iter()
        .rev()
        .take(12)
        .rev()
        .filter_map(|r| {
            let start = (parse_time(&r.started_at)? - t0?).as_seconds_f64();
            let end = start + run_seconds(r).unwrap_or(0.0);
            Some(Span {
                label: format!(
                    "run {} {}",
                    label(r),
                    when(Some(&r.started_at)).get(11..19).unwrap_or("")
                ),
                start,
                end,
                class: run_class(r.status.as_str()),
            })
        })
        .collect();
    // The newest run this node kept a trace of (the recorder holds the
    // last few runs per instance, in memory).
    let traced = runs
        .iter()
        .rev()
        .find_map(|r| c.shared.traces.trace(&id, r.id));
    let buckets = bucket_series(&runs);
    let (kind, word) = health(&st);
    let eid = enc(&st.id);
    let body = html! {
        div class="page-head" {
            h1 { (clean(&st.id, 120)) " " (pill(kind, word)) }
            @if st.enabled {
                form method="post" action={"/instances/" (eid) "/scan"} {
                    (csrf(&s))
                    button type="submit" class="btn btn-primary" { "Scan now" }
                }
            }
        }
        @if let Some(m) = notice(q.msg.as_deref()) { div class="alert alert-ok" role="status" { (m) } }
        dl class="facts" {
            dt { "Plugin" } dd { (clean(&st.plugin, 80)) @if let Some(v) = &st.plugin_version { " " (clean(v, 40)) } }
            dt { "State" } dd { (st.state) @if let Some(p) = st.running_phase { " (" (p) ")" } }
            dt { "Added" } dd { (when(Some(&st.created_at))) }
            @for (k, v) in &st.config { dt { (clean(k, 80)) } dd { (clean(v, 200)) } }
        }
        p { a href={"/findings?instance=" (eid)} { "Findings of this instance" } " · " a href={"/accounts?instance=" (eid)} { "Accounts" } " · " a href={"/activity?instance=" (eid)} { "Activity" } }
        @if !st.connections.is_empty() {
            section aria-labelledby="consent-h" {
                h2 id="consent-h" { "Consent" }
                table class="data" {
                    thead { tr { th scope="col" { "Auth profile" } th scope="col" { "State" } th scope="col" { span class="sr-only" { "Actions" } } } }
                    tbody {
                        @for conn in &st.connections {
                            tr {
                                th scope="row" { (clean(&conn.profile, 80)) }
                                td { (pill(if conn.status == "connected" { "ok" } else { "warn" }, conn.status)) @if let Some(d) = &conn.detail { " " span class="muted" { (clean(d, 300)) } } }
                                td class="actions" {
                                    form method="post" action={"/instances/" (eid) "/connect"} {
                                        (csrf(&s))
                                        input type="hidden" name="profile" value=(conn.profile);
                                        button type="submit" class="btn btn-primary" { @if conn.status == "connected" { "Reconnect" } @else { "Connect" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="phases-h" {
            h2 id="phases-h" { "Phases" }
            table class="data" {
                thead { tr {
                    th scope="col" { "Phase" } th scope="col" { "Last start" } th scope="col" { "Last success" }
                    th scope="col" { "Next run" } th scope="col" { "Last error" }
                } }
                tbody {
                    @for p in &st.phases {
                        tr {
                            th scope="row" { (clean(&p.phase, 40)) }
                            td { (when(p.last_started_at.as_deref())) }
                            td { (when(p.last_success_at.as_deref())) }
                            td { (when(p.next_run_at.as_deref())) }
                            td { @if let Some(e) = &p.last_error {
                                (pill("bad", &p.last_error_blame.map(|b| b.to_string()).unwrap_or_else(|| "error".into()))) " " (clean(e, 600))
                            } @else { "—" } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="charts-h" {
            h2 id="charts-h" { "Charts" }
            div class="charts" {
                (charts::bars("records", "Records per scan", "records", &records))
                (charts::bars("durations", "Scan durations (seconds)", "seconds", &durations))
            }
            h3 { "Requests and 429 answers per rate bucket over time" }
            p class="hint" { "One pair of bars per run that used the bucket, oldest first (the last 50 runs, as stored with each run; runs that failed before their report are not counted)." }
            @if buckets.is_empty() { p class="muted" { "No bucket traffic recorded in these runs." } }
            div class="charts" {
                @for (i, (bucket, items)) in buckets.iter().enumerate() {
                    (charts::paired(&format!("bucket-{i}"), &format!("Bucket {}", clean(bucket, 80)), items))
                }
            }
        }
        section aria-labelledby="timeline-h" id="timeline" {
            h2 id="timeline-h" { "Timeline" }
            p class="hint" { "When each of the last runs started and how long it took." }
            (charts::timeline("timeline-svg", "Runs on a time axis", &spans))
            h3 { "The newest traced run" }
            (super::trace::section(traced.as_deref()))
        }
        section aria-labelledby="runs-h" {
            h2 id="runs-h" { "Runs" }
            table class="data" {
                thead { tr {
                    th scope="col" { "Run" } th scope="col" { "Started" } th scope="col" { "Duration" }
                    th scope="col" { "Status" } th scope="col" { "Records" } th scope="col" { "Error" }
                } }
                tbody {
                    @for r in runs.iter().rev() {
                        tr {
                            th scope="row" { (r.id) }
                            td { (when(Some(&r.started_at))) }
                            td { @if let Some(d) = run_seconds(r) { (format!("{d:.1} s")) } @else { "—" } }
                            td { (pill(run_class(r.status.as_str()), r.status.as_str())) }
                            td class="num" { (run_records(r)) }
                            td { @if let Some(e) = &r.error_message {
                                @if let Some(b) = r.error_blame { (pill("bad", &b.to_string())) " " }
                                (clean(e, 600))
                            } }
                        }
                    }
                }
            }
        }
    };
    page(&s, Nav::Instances, &clean(&st.id, 80), body)
}

/// `POST /instances/{id}/scan`.
pub(super) async fn scan(
    State(c): St,
    Extension(s): Extension<Session>,
    Path(id): Path<String>,
) -> Response {
    match c.shared.scan_now(&id) {
        Ok(()) => redirect(&format!("/instances/{}?msg=scan-queued", enc(&id))),
        Err(e) => page_with_status(
            StatusCode::CONFLICT,
            &s,
            Nav::Instances,
            "Scan",
            daemon_error(&e),
        ),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ConnectForm {
    profile: Option<String>,
}

/// `POST /instances/{id}/connect`: start the consent (the API's
/// `POST /v1/instances/{id}/connect`) and show the link to the app's
/// consent page. A link, not a redirect: the CSP's `form-action 'self'`
/// keeps a form from leading to another origin.
pub(super) async fn connect(
    State(c): St,
    Extension(s): Extension<Session>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<ConnectForm>,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let base = format!("{}://{host}", if tls { "https" } else { "http" });
    match c
        .shared
        .begin_connect(&id, f.profile.as_deref(), &base)
        .await
    {
        Ok(started) => page(
            &s,
            Nav::Instances,
            "Connect",
            html! {
                div class="narrow" {
                    h1 { "Connect " (clean(&id, 120)) }
                    p { "An admin of the app allows Plugboard once on the app's own page; the app then sends the browser back here (" code { (clean(&started.redirect_uri, 300)) } ")." }
                    p { a class="btn btn-primary" href=(started.authorize_url) rel="noreferrer" { "Open the consent page" } }
                    p class="hint" { "The link works for " (started.expires_in / 60) " minutes." }
                    p { a href={"/instances/" (enc(&id))} { "Back to the instance" } }
                }
            },
        ),
        Err(e) => page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &s,
            Nav::Instances,
            "Connect",
            daemon_error(&e),
        ),
    }
}

/// The bucket traffic a run's report stored (`buckets` of its stats).
#[derive(serde::Deserialize)]
struct RunBuckets {
    buckets: Option<BTreeMap<String, crate::scan::BucketTraffic>>,
}

/// Per bucket (at most [`MAX_BUCKET_CHARTS`], by name), one (run label,
/// requests, 429s) per run that used it, in the order of `runs` (oldest
/// first). Runs whose stats hold no bucket traffic (failed ones, or older
/// than this field) are left out.
fn bucket_series(runs: &[SyncRun]) -> BTreeMap<String, Vec<(String, f64, f64)>> {
    let mut out: BTreeMap<String, Vec<(String, f64, f64)>> = BTreeMap::new();
    for r in runs {
        let Some(buckets) = serde_json::from_str::<RunBuckets>(&r.stats_json)
            .ok()
            .and_then(|b| b.buckets)
        else {
            continue;
        };
        let label = format!(
            "#{} {}",
            r.id,
            when(Some(&r.started_at)).get(11..16).unwrap_or("")
        );
        for (name, t) in buckets {
            if out.len() >= MAX_BUCKET_CHARTS && !out.contains_key(&name) {
                continue;
            }
            out.entry(name).or_default().push((
                label.clone(),
                t.requests as f64,
                t.throttled as f64,
            ));
        }
    }
    out
}

/// Bucket charts shown at most (a plugin names its buckets; partitioned
/// ones could be many).
const MAX_BUCKET_CHARTS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_read_one_origin_per_line() {
        let r = routes(
            "https://a.example = http://127.0.0.1:1\n\nhttps://b.example http://127.0.0.1:2\n",
        );
        assert_eq!(r.map(|m| m.len()), Ok(2));
        assert!(routes("nonsense").is_err());
    }

    fn run(id: i64, stats: &str) -> SyncRun {
        SyncRun {
            id,
            instance_id: "i".into(),
            started_at: format!("2026-05-01T10:{id:02}:00Z"),
            finished_at: None,
            status: plugboard_core::store::RunStatus::Succeeded,
            error_blame: None,
            error_message: None,
            stats_json: stats.into(),
        }
    }

    #[test]
    fn each_bucket_gets_one_pair_of_bars_per_run_that_used_it() {
        let runs = [
            run(1, r#"{"buckets":{"light":{"requests":10,"throttled":0}}}"#),
            run(2, "{}"),
            run(
                3,
                r#"{"buckets":{"light":{"requests":7,"throttled":2},"<b>heavy":{"requests":1,"throttled":1}}}"#,
            ),
            run(4, r#"{"buckets":{"light":{"requests":4,"throttled":1}}}"#),
        ];
        let series = bucket_series(&runs);
        let light = &series["light"];
        assert_eq!(
            light
                .iter()
                .map(|(l, a, b)| (l.as_str(), *a, *b))
                .collect::<Vec<_>>(),
            [
                ("#1 10:01", 10.0, 0.0),
                ("#3 10:03", 7.0, 2.0),
                ("#4 10:04", 4.0, 1.0)
            ]
        );
        assert_eq!(series["<b>heavy"].len(), 1);
        let svg = charts::paired("bucket-0", "Bucket light", light).into_string();
        assert!(svg.contains("Bucket light"), "{svg}");
        assert_eq!(svg.matches("class=\"bar bar-bad\"").count(), 3, "{svg}");
        assert!(svg.contains("#3 10:03: 2 throttled (429)"), "{svg}");
    }
}
