//! Accounts across instances, admins highlighted; the suspend action, dry
//! run first, the real run behind a confirmation.

use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use plugboard_core::Blame;
use plugboard_core::store::{AccountQuery, AccountRow};
use serde::Deserialize;

use super::St;
use super::layout::{Nav, clean, csrf, enc, error_box, page, page_with_status, pill, when};
use super::session::Session;
use crate::governance::GovernanceRequest;

const PAGE: u32 = 100;
const SUSPEND: &str = "suspend-user";

#[derive(Debug, Default, Deserialize)]
pub(super) struct Filter {
    instance: Option<String>,
    admins: Option<String>,
    #[serde(default)]
    offset: u32,
}

/// `GET /accounts`.
pub(super) async fn list(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<Filter>,
) -> Response {
    let instance = q.instance.clone().filter(|i| !i.is_empty());
    let admins = q.admins.as_deref() == Some("1");
    let rows = c.shared.store.accounts(&AccountQuery {
        instance: instance.clone(),
        status: None,
        admins_only: admins,
        limit: PAGE,
        offset: q.offset,
    });
    let instances = c.shared.store.instances().unwrap_or_default();
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            return page(
                &s,
                Nav::Accounts,
                "Accounts",
                error_box(e.blame(), &e.to_string()),
            );
        }
    };
    let more = rows.len() as u32 >= PAGE;
    let query = |offset: u32| {
        format!(
            "/accounts?instance={}&admins={}&offset={offset}",
            enc(instance.as_deref().unwrap_or("")),
            if admins { "1" } else { "" }
        )
    };
    let body = html! {
        div class="page-head" { h1 { "Accounts" } }
        form method="get" action="/accounts" class="filters" {
            div class="field" {
                label for="a-instance" { "Instance" }
                select id="a-instance" name="instance" {
                    option value="" { "Any" }
                    @for r in &instances { option value=(r.id) selected[instance.as_deref() == Some(r.id.as_str())] { (clean(&r.id, 120)) } }
                }
            }
            div class="field field-check" {
                input id="a-admins" type="checkbox" name="admins" value="1" checked[admins];
                label for="a-admins" { "Admins only" }
            }
            div class="field field-button" { button type="submit" class="btn" { "Filter" } }
        }
        @if rows.is_empty() {
            p class="empty" { "No account matches. Accounts appear after an instance's accounts phase has run." }
        } @else {
            (table(&rows))
            nav class="pager" aria-label="Pages" {
                @if q.offset > 0 { a href=(query(q.offset.saturating_sub(PAGE))) { "← Previous" } }
                @if more { a href=(query(q.offset.saturating_add(PAGE))) { "Next →" } }
            }
        }
    };
    page(&s, Nav::Accounts, "Accounts", body)
}

/// The accounts table; admins highlighted. Every app-supplied string is
/// escaped by maud and cleaned of control characters.
fn table(rows: &[AccountRow]) -> Markup {
    html! {
        table class="data" {
            caption class="sr-only" { "Accounts; admins are marked" }
            thead { tr {
                th scope="col" { "Account" } th scope="col" { "Name" } th scope="col" { "Instance" }
                th scope="col" { "Status" } th scope="col" { "Roles" } th scope="col" { "Last sign-in" }
                th scope="col" { span class="sr-only" { "Actions" } }
            } }
            tbody {
                @for r in rows {
                    tr class=[r.is_admin.then_some("admin")] {
                        th scope="row" {
                            (clean(r.account.email.as_deref().unwrap_or(&r.account.id), 200))
                            @if r.is_admin { " " span class="badge badge-admin" { "admin" } }
                        }
                        td { (clean(r.account.display_name.as_deref().unwrap_or(""), 200)) }
                        td { (clean(&r.instance, 120)) }
                        td { (pill(if r.account.status.as_str() == "active" { "ok" } else { "idle" }, r.account.status.as_str())) }
                        td { (clean(&r.roles.join(", "), 200)) }
                        td { (when(r.account.last_login_at.as_deref())) }
                        td class="actions" {
                            a class="btn btn-small" href={"/accounts/suspend?instance=" (enc(&r.instance)) "&user=" (enc(&r.account.id))} {
                                "Suspend…" span class="sr-only" { " " (clean(r.account.email.as_deref().unwrap_or(&r.account.id), 200)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Target {
    #[serde(default)]
    instance: String,
    #[serde(default)]
    user: String,
}

fn suspend_panel(s: &Session, t: &Target, result: Option<Markup>, dry_run_done: bool) -> Markup {
    html! {
        p class="crumbs" { a href="/accounts" { "Accounts" } " / suspend" }
        div class="page-head" { h1 { "Suspend an account" } }
        dl class="facts" {
            dt { "Instance" } dd { (clean(&t.instance, 120)) }
            dt { "Account" } dd { code { (clean(&t.user, 200)) } }
        }
        @if let Some(r) = result { (r) }
        div class="act-row" {
            form method="post" action="/accounts/suspend" class="inline" {
                (csrf(s))
                input type="hidden" name="instance" value=(t.instance);
                input type="hidden" name="user" value=(t.user);
                input type="hidden" name="mode" value="dry-run";
                button type="submit" class="btn" { "Dry run" }
                p class="hint" { "Shows the exact request the plugin would send, without sending it (audited)." }
            }
            @if dry_run_done {
                form method="post" action="/accounts/suspend" class="inline danger-zone" {
                    (csrf(s))
                    input type="hidden" name="instance" value=(t.instance);
                    input type="hidden" name="user" value=(t.user);
                    input type="hidden" name="mode" value="apply";
                    div class="field field-check" {
                        input id="confirm" type="checkbox" name="confirm" value="yes" required;
                        label for="confirm" { "I understand this suspends the account in the app." }
                    }
                    button type="submit" class="btn btn-danger" { "Suspend for real" }
                }
            }
        }
    }
}

/// `GET /accounts/suspend?instance=&user=`: the confirmation page.
pub(super) async fn suspend_form(
    Extension(s): Extension<Session>,
    Query(t): Query<Target>,
) -> Response {
    page(
        &s,
        Nav::Accounts,
        "Suspend",
        suspend_panel(&s, &t, None, false),
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct Act {
    #[serde(default)]
    instance: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    mode: String,
    confirm: Option<String>,
}

/// `POST /accounts/suspend`: a dry run, or (with `mode=apply` and the box
/// ticked) the real action, through the governance path the CLI uses.
pub(super) async fn suspend(
    State(c): St,
    Extension(s): Extension<Session>,
    Form(a): Form<Act>,
) -> Response {
    let t = Target {
        instance: a.instance.clone(),
        user: a.user.clone(),
    };
    let dry_run = a.mode != "apply";
    if !dry_run && a.confirm.as_deref() != Some("yes") {
        let e = error_box(
            Blame::Operator,
            "Tick the confirmation box to suspend for real.",
        );
        return page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &s,
            Nav::Accounts,
            "Suspend",
            suspend_panel(&s, &t, Some(e), true),
        );
    }
    let req = GovernanceRequest {
        instance: a.instance,
        action: SUSPEND.to_string(),
        target: a.user,
        dry_run,
        actor: s.actor(),
    };
    let (status, result) = match c.shared.govern(&req).await {
        Ok(outcome) => {
            let head = if dry_run {
                "Dry run: nothing was sent. The plugin would do this:"
            } else if outcome.applied {
                "Suspended."
            } else {
                "Not applied:"
            };
            (
                StatusCode::OK,
                html! {
                    div class={"alert " (if dry_run || outcome.applied { "alert-ok" } else { "alert-warn" })} role="status" id="outcome" {
                        strong { (head) } " " (clean(&outcome.detail, 2_000))
                    }
                },
            )
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            error_box(e.blame(), &e.to_string()),
        ),
    };
    page_with_status(
        status,
        &s,
        Nav::Accounts,
        "Suspend",
        suspend_panel(&s, &t, Some(result), dry_run && status == StatusCode::OK),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_core::model::{Account, AccountStatus};

    #[test]
    fn a_hostile_display_name_is_rendered_inert() {
        let row = AccountRow {
            instance: "zoom-1".into(),
            account: Account {
                id: "u1".into(),
                email: Some("eve@example.com\"><img src=x onerror=alert(1)>".into()),
                display_name: Some("<script>alert('pwned')</script>\u{1b}[2J\u{202e}".into()),
                status: AccountStatus::Active,
                user_type: None,
                created_at: None,
                last_login_at: None,
                raw: "{}".into(),
            },
            is_admin: true,
            roles: vec!["<b>Owner</b>".into()],
            first_seen: String::new(),
            last_seen: String::new(),
        };
        let html = table(&[row]).into_string();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert('pwned')&lt;/script&gt;")
                || html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            !html.contains('\u{1b}') && !html.contains('\u{202e}'),
            "{html}"
        );
        assert!(html.contains("badge-admin"), "{html}");
    }
}
