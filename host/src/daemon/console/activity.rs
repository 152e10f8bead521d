//! Activity search across instances: actor, action, time range.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use plugboard_core::Blame;
use plugboard_core::store::ActivityQuery;
use serde::Deserialize;

use super::St;
use super::layout::{Nav, clean, enc, error_box, page_with_status, when};
use super::session::Session;

const PAGE: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Search {
    instance: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    #[serde(default)]
    offset: u32,
}

fn given(o: &Option<String>) -> Option<String> {
    o.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A `datetime-local` value (`2026-01-31T09:30`, read as UTC) or an RFC
/// 3339 time, as the stored UTC form.
fn utc(field: &str, v: Option<String>) -> Result<Option<String>, String> {
    use time::format_description::well_known::Rfc3339;
    let Some(v) = v else { return Ok(None) };
    let full = match v.len() {
        16 => format!("{v}:00Z"),
        19 => format!("{v}Z"),
        _ => v.clone(),
    };
    time::OffsetDateTime::parse(&full, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{field} {:?} is not a time such as 2026-01-31T09:30",
                clean(&v, 60)
            )
        })
}

/// `GET /activity`.
pub(super) async fn search(
    State(c): St,
    Extension(s): Extension<Session>,
    Query(q): Query<Search>,
) -> Response {
    let instances = c.shared.store.instances().unwrap_or_default();
    let (instance, actor, action) = (given(&q.instance), given(&q.actor), given(&q.action));
    let (since_in, until_in) = (given(&q.since), given(&q.until));
    let times = utc("From", since_in.clone()).and_then(|a| Ok((a, utc("To", until_in.clone())?)));
    let (rows, error) = match times {
        Err(e) => (Vec::new(), Some(error_box(Blame::Operator, &e))),
        Ok((since, until)) => match c.shared.store.activities(&ActivityQuery {
            instance: instance.clone(),
            since,
            until,
            actor: actor.clone(),
            action: action.clone(),
            category: None,
            limit: PAGE,
            offset: q.offset,
        }) {
            Ok(r) => (r, None),
            Err(e) => (Vec::new(), Some(error_box(e.blame(), &e.to_string()))),
        },
    };
    let more = rows.len() as u32 >= PAGE;
    let link = |offset: u32| {
        format!(
            "/activity?instance={}&actor={}&action={}&since={}&until={}&offset={offset}",
            enc(instance.as_deref().unwrap_or("")),
            enc(actor.as_deref().unwrap_or("")),
            enc(action.as_deref().unwrap_or("")),
            enc(since_in.as_deref().unwrap_or("")),
            enc(until_in.as_deref().unwrap_or("")),
        )
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = html! {
        div class="page-head" { h1 { "Activity" } }
        form method="get" action="/activity" class="filters" {
            div class="field" {
                label for="s-instance" { "Instance" }
                select id="s-instance" name="instance" {
                    option value="" { "Any" }
                    @for r in &instances { option value=(r.id) selected[instance.as_deref() == Some(r.id.as_str())] { (clean(&r.id, 120)) } }
                }
            }
            div class="field" {
                label for="s-actor" { "Actor" }
                input id="s-actor" name="actor" type="search" value=[actor.as_deref()] placeholder="alice@example.com";
            }
            div class="field" {
                label for="s-action" { "Action" }
                input id="s-action" name="action" type="search" value=[action.as_deref()] placeholder="sign-in";
            }
            div class="field" {
                label for="s-since" { "From (UTC)" }
                input id="s-since" name="since" type="datetime-local" value=[since_in.as_deref()];
            }
            div class="field" {
                label for="s-until" { "To (UTC)" }
                input id="s-until" name="until" type="datetime-local" value=[until_in.as_deref()];
            }
            div class="field field-button" { button type="submit" class="btn" { "Search" } }
        }
        @if let Some(e) = error { (e) }
        @if rows.is_empty() {
            p class="empty" { "No activity matches." }
        } @else {
            table class="data" {
                caption class="sr-only" { "Activities, newest first" }
                thead { tr {
                    th scope="col" { "When (UTC)" } th scope="col" { "Actor" } th scope="col" { "Action" }
                    th scope="col" { "Category" } th scope="col" { "Target" } th scope="col" { "Outcome" }
                    th scope="col" { "Instance" }
                } }
                tbody {
                    @for (inst, a) in &rows {
                        tr {
                            th scope="row" { (when(Some(&a.occurred_at))) }
                            td { (clean(a.actor.as_deref().unwrap_or("—"), 200)) }
                            td { (clean(&a.action, 200)) }
                            td { (clean(&a.category, 80)) }
                            td { (clean(a.target.as_deref().unwrap_or(""), 200)) }
                            td { (clean(a.outcome.as_deref().unwrap_or(""), 80)) }
                            td { (clean(inst, 120)) }
                        }
                    }
                }
            }
            nav class="pager" aria-label="Pages" {
                @if q.offset > 0 { a href=(link(q.offset.saturating_sub(PAGE))) { "← Newer" } }
                @if more { a href=(link(q.offset.saturating_add(PAGE))) { "Older →" } }
            }
        }
    };
    page_with_status(status, &s, Nav::Activity, "Activity", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_is_read_as_utc() {
        assert_eq!(
            utc("From", Some("2026-01-31T09:30".into())),
            Ok(Some("2026-01-31T09:30:00Z".into()))
        );
        assert!(utc("From", Some("yesterday".into())).is_err());
        assert_eq!(utc("From", None), Ok(None));
    }
}
