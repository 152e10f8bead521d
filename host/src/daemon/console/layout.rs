//! The page shell (skip link, navigation bar, main landmark) and the small
//! helpers every page uses.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use plugboard_core::Blame;

use super::session::Session;

/// The navigation bar's entries: (section, title, path).
const NAV: &[(Nav, &str, &str)] = &[
    (Nav::Instances, "Instances", "/"),
    (Nav::Findings, "Findings", "/findings"),
    (Nav::Accounts, "Accounts", "/accounts"),
    (Nav::Activity, "Activity", "/activity"),
    (Nav::Plugins, "Plugins", "/plugins"),
    (Nav::Audit, "Audit log", "/audit"),
];

/// Which section a page belongs to (highlighted in the navigation bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    Instances,
    Findings,
    Accounts,
    Activity,
    Plugins,
    Audit,
}

/// A text from a plugin, an upstream or the store, made fit to show on one
/// line: control and invisible characters neutralised, at most `max` bytes.
/// (maud escapes the HTML metacharacters when it is interpolated.)
pub(super) fn clean(s: &str, max: usize) -> String {
    let mut out = s.to_string();
    plugboard_core::text::clean_line(&mut out, max);
    out
}

/// [`clean`] for multi-line text (evidence, remediation): newlines kept.
pub(super) fn clean_block(s: &str, max: usize) -> String {
    let mut out = s.to_string();
    plugboard_core::text::clean_multiline(&mut out, max);
    out
}

/// An RFC 3339 time as `2026-01-31 12:00:05`, or an em dash.
pub(super) fn when(t: Option<&str>) -> String {
    match t {
        Some(t) if t.len() >= 19 => clean(&t[..19].replace('T', " "), 40),
        Some(t) => clean(t, 40),
        None => "—".into(),
    }
}

/// The hidden CSRF field every form carries.
pub(super) fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// A notice named by a `msg` query value (fixed texts only: a query never
/// puts its own words on a page).
pub(super) fn notice(msg: Option<&str>) -> Option<&'static str> {
    Some(match msg? {
        "added" => "Instance added. Its first scan starts now.",
        "scan-queued" => "Scan queued: every phase runs now.",
        "signed-out" => "You are signed out.",
        "upgrade-approved" => {
            "Upgrade approved: the new version is current. Instances switch at their next phase."
        }
        "upgrade-refused" => "Upgrade refused: it was dropped, and the current version stays.",
        "session-ended" => {
            "Your session has ended: you signed out, it was idle for 30 minutes or is 12 hours old, or its API token was revoked. Sign in again."
        }
        _ => return None,
    })
}

/// An error box: who is to blame and what went wrong.
pub(super) fn error_box(blame: Blame, message: &str) -> Markup {
    html! {
        div class="alert alert-error" role="alert" {
            strong { "Error (" (blame.to_string()) "): " }
            (clean(message, 2_000))
        }
    }
}

/// A full page for a signed-in operator.
pub(super) fn page(session: &Session, nav: Nav, title: &str, body: Markup) -> Response {
    page_with_status(StatusCode::OK, session, nav, title, body)
}

/// [`page`] with another status.
pub(super) fn page_with_status(
    status: StatusCode,
    session: &Session,
    nav: Nav,
    title: &str,
    body: Markup,
) -> Response {
    let chrome = html! {
        header class="topbar" {
            a class="brand" href="/" { span class="logo" aria-hidden="true" {} "Plugboard" }
            nav aria-label="Main" {
                ul {
                    @for (section, label, path) in NAV {
                        li {
                            @if *section == nav {
                                a href=(path) aria-current="page" { (label) }
                            } @else {
                                a href=(path) { (label) }
                            }
                        }
                    }
                }
            }
            form class="signout" method="post" action="/sign-out" {
                (csrf(session))
                span class="who" { "Signed in as " strong { (clean(&session.token_name, 80)) } }
                button type="submit" class="btn btn-quiet" { "Sign out" }
            }
        }
    };
    document(status, title, Some(chrome), body)
}

/// The HTML document around `main`.
pub(super) fn document(
    status: StatusCode,
    title: &str,
    chrome: Option<Markup>,
    main: Markup,
) -> Response {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Plugboard" }
                link rel="stylesheet" href="/assets/console.css";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                @if let Some(c) = chrome { (c) }
                main id="main" tabindex="-1" {
                    (main)
                }
            }
        }
    };
    (status, Html(doc.into_string())).into_response()
}

/// A page refusing a request, with what to do next.
pub(super) fn refused(status: StatusCode, what: &str, next: &str) -> Response {
    document(
        status,
        "Refused",
        None,
        html! {
            div class="narrow" {
                h1 { "Request refused" }
                div class="alert alert-error" role="alert" { (what) }
                p { (next) }
                p { a href="/" { "Back to the console" } }
            }
        },
    )
}

/// `303 See Other` to `to` (a path on this console).
pub(super) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// Percent-encode `s` for a URL path segment or query value.
pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A severity badge.
pub(super) fn severity(label: &str) -> Markup {
    let class = match label {
        "critical" | "high" | "medium" | "low" | "info" => label,
        _ => "info",
    };
    html! { span class={"badge sev-" (class)} { (label) } }
}

/// A status pill (`ok`, `warn`, `bad`, `idle`).
pub(super) fn pill(kind: &str, text: &str) -> Markup {
    html! { span class={"pill pill-" (kind)} { (text) } }
}
