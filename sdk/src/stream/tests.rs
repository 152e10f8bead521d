#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::http::SecretHeader;
use crate::json::{Text, item};
use crate::{Account, AccountStatus, ErrorKind, Group};

const ENV: Env = Env {
    now_ms: 20_513 * DAY_MS + 12 * crate::time::HOUR_MS + 250, // 2026-03-01T12:00:00.250Z
    lookback_days: 2,
};

#[derive(serde::Deserialize)]
struct Row {
    #[serde(default)]
    id: Text,
}

fn account(_: &Slice<'_, impl Sized>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(id) = item::<Row>(raw).and_then(|r| r.id.into_string()) else {
        return;
    };
    out.push(Record::Account(Account {
        id,
        email: None,
        display_name: None,
        status: AccountStatus::Unknown,
        user_type: None,
        created_at: None,
        last_login_at: None,
        raw: raw.get().to_string(),
    }));
}

fn ids(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| match r {
            Record::Account(a) => a.id.clone(),
            Record::Group(g) => format!("{}/{}", g.id, g.name),
            other => format!("{other:?}"),
        })
        .collect()
}

/// Runs `stream` to the end from `cursor`; every URL asked and every record id.
fn drain<P: Serialize + DeserializeOwned + Clone + PartialEq>(
    stream: &Stream<P>,
    cursor: Option<&str>,
    net: &mut dyn Transport,
) -> Result<(Vec<String>, Vec<Option<String>>), Error> {
    let mut cursor = cursor.map(str::to_string);
    let (mut records, mut cursors) = (Vec::new(), Vec::new());
    for _ in 0..100 {
        let page = stream.sync(cursor.as_deref(), ENV, net)?;
        records.extend(ids(&page.records));
        cursor = page.cursor;
        cursors.push(cursor.clone());
        if !page.more {
            return Ok((records, cursors));
        }
    }
    panic!("the stream never ended");
}

fn recorder(
    urls: &mut Vec<String>,
    answer: fn(&str) -> String,
) -> impl FnMut(&str) -> Result<Vec<u8>, Error> + '_ {
    move |url: &str| {
        urls.push(url.to_string());
        Ok(answer(url).into_bytes())
    }
}

const BASE: &str = "https://api.acme.test/v1";

#[test]
fn the_record_selector_reads_nested_paths_and_top_level_arrays_and_skips_the_rest() {
    let body = br#"{"skip":{"data":[9]},"meta":{"x":[1,{"a":2}],"next":7},"data":{"items":[{"id":"a"}, {"id":"b"}]}}"#;
    let selected = select(body, &["data", "items"], Some(&["meta", "next"])).unwrap();
    let texts: Vec<&str> = selected.items.iter().map(|r| r.get()).collect();
    assert_eq!(texts, [r#"{"id":"a"}"#, r#"{"id":"b"}"#]);
    assert_eq!(selected.next.as_deref(), Some("7"));
    let array = select(br#"[{"id":1}]"#, &[], None).unwrap();
    assert_eq!(array.items.len(), 1);
    let null = select(br#"{"data":null,"next":""}"#, &["data"], Some(&["next"])).unwrap();
    assert_eq!((null.items.len(), null.next), (0, None));
    for bad in [
        &br#"{"data":5}"#[..],
        b"[1]",
        b"<html>",
        br#"{"data":[1]} x"#,
    ] {
        assert!(select(bad, &["data"], None).is_err(), "{bad:?}");
    }
}

#[test]
fn a_next_token_in_the_body_goes_back_as_a_query_parameter() {
    const S: Stream = Stream::new(
        "users",
        "Acme",
        BASE,
        |_| format!("{BASE}/users?size=2"),
        account,
    )
    .records(&["users"])
    .paginate(Paginator::Token {
        at: &["next_page_token"],
        param: "next_page_token",
    });
    let mut urls = Vec::new();
    let mut net = recorder(&mut urls, |url| {
        if url.contains("token=a%2Bb") {
            r#"{"users":[{"id":"u3"}],"next_page_token":""}"#.into()
        } else {
            r#"{"users":[{"id":"u1"},{"id":2},{"name":"no id"}],"next_page_token":"a+b"}"#.into()
        }
    });
    let (records, cursors) = drain(&S, None, &mut net).unwrap();
    drop(net);
    assert_eq!(records, ["u1", "2", "u3"]);
    assert_eq!(cursors, [Some(r#"{"next":"a+b"}"#.to_string()), None]);
    assert_eq!(
        urls,
        [
            format!("{BASE}/users?size=2"),
            format!("{BASE}/users?size=2&next_page_token=a%2Bb")
        ]
    );
}

#[test]
fn a_body_token_goes_back_in_the_json_request_body() {
    const S: Stream = Stream::new(
        "search",
        "Acme",
        BASE,
        |_| format!("{BASE}/search"),
        account,
    )
    .records(&["hits"])
    .paginate(Paginator::BodyToken {
        at: &["cursor"],
        field: "cursor",
    })
    .send(Method::Post, |_| r#"{"query":"all"}"#.into());
    let mut bodies = Vec::new();
    let mut net = Exchange(|request: &Request| {
        let body = String::from_utf8(request.body.clone().unwrap_or_default()).unwrap();
        assert_eq!(request.method, Method::Post);
        let answer = if body.contains("\"cursor\":\"c2\"") {
            r#"{"hits":[{"id":"b"}]}"#
        } else {
            r#"{"hits":[{"id":"a"}],"cursor":"c2"}"#
        };
        bodies.push(body);
        Ok(Response {
            status: 200,
            headers: vec![],
            body: answer.into(),
            url: request.url.clone(),
        })
    });
    let (records, _) = drain(&S, None, &mut net).unwrap();
    assert_eq!(records, ["a", "b"]);
    assert_eq!(
        bodies,
        [r#"{"query":"all"}"#, r#"{"cursor":"c2","query":"all"}"#]
    );
}

#[test]
fn a_next_link_in_the_body_is_followed_but_never_off_the_base() {
    const S: Stream = Stream::new(
        "groups",
        "Acme",
        BASE,
        |_| format!("{BASE}/groups"),
        account,
    )
    .records(&["value"])
    .paginate(Paginator::NextLink {
        at: &["@odata.nextLink"],
    });
    let link = format!("{BASE}/groups?$skiptoken=2");
    let mut urls = Vec::new();
    let mut net = recorder(&mut urls, |url| {
        if url.contains("skiptoken") {
            r#"{"value":[{"id":"b"}]}"#.into()
        } else {
            format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{BASE}/groups?$skiptoken=2"}}"#)
        }
    });
    let (records, cursors) = drain(&S, None, &mut net).unwrap();
    drop(net);
    assert_eq!(records, ["a", "b"]);
    assert_eq!(cursors[0], Some(format!(r#"{{"next":"{link}"}}"#)));
    assert_eq!(urls[1], link);
    let mut evil = |_: &str| -> Result<Vec<u8>, Error> {
        Ok(br#"{"value":[],"@odata.nextLink":"https://api.acme.test/v1.evil/x"}"#.to_vec())
    };
    let error = S.sync(None, ENV, &mut evil).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert!(error.message.contains("outside"), "{}", error.message);
}

#[test]
fn the_link_header_is_followed_across_repeated_header_lines() {
    const S: Stream = Stream::new(
        "members",
        "Acme",
        BASE,
        |_| format!("{BASE}/members?per_page=1"),
        account,
    )
    .paginate(Paginator::LinkHeader);
    let mut urls = Vec::new();
    let mut net = Exchange(|request: &Request| {
        urls.push(request.url.clone());
        let (body, headers) = if request.url.ends_with("page=2") {
            (
                r#"[{"id":"b"}]"#,
                vec![(
                    "link".to_string(),
                    format!("<{BASE}/members?page=1>; rel=\"prev\""),
                )],
            )
        } else {
            (
                r#"[{"id":"a"}]"#,
                vec![
                    (
                        "Link".to_string(),
                        format!("<{BASE}/members?page=1>; rel=\"self\""),
                    ),
                    (
                        "Link".to_string(),
                        format!("<{BASE}/members?page=2>; rel=\"next\""),
                    ),
                ],
            )
        };
        Ok(Response {
            status: 200,
            headers,
            body: body.into(),
            url: request.url.clone(),
        })
    });
    let (records, _) = drain(&S, None, &mut net).unwrap();
    assert_eq!(records, ["a", "b"]);
    assert_eq!(
        urls,
        [
            format!("{BASE}/members?per_page=1"),
            format!("{BASE}/members?page=2")
        ]
    );
}

#[test]
fn offset_and_page_number_paging_stop_at_a_short_page() {
    const OFFSET: Stream = Stream::new("o", "Acme", BASE, |_| format!("{BASE}/o"), account)
        .paginate(Paginator::Offset {
            param: "offset",
            limit_param: "limit",
            limit: 2,
        });
    const PAGES: Stream = Stream::new("p", "Acme", BASE, |_| format!("{BASE}/p?sort=id"), account)
        .paginate(Paginator::PageNumber {
            param: "page",
            first: 1,
            size_param: "per_page",
            size: 2,
        });
    let answer = |url: &str| {
        if url.contains("offset=0") || url.contains("page=1&") {
            r#"[{"id":"a"},{"id":"b"}]"#.to_string()
        } else {
            r#"[{"id":"c"}]"#.to_string()
        }
    };
    let mut urls = Vec::new();
    let (records, _) = drain(&OFFSET, None, &mut recorder(&mut urls, answer)).unwrap();
    assert_eq!(records, ["a", "b", "c"]);
    assert_eq!(
        urls,
        [
            format!("{BASE}/o?offset=0&limit=2"),
            format!("{BASE}/o?offset=2&limit=2")
        ]
    );
    let mut urls = Vec::new();
    let (records, _) = drain(&PAGES, None, &mut recorder(&mut urls, answer)).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(
        urls,
        [
            format!("{BASE}/p?sort=id&page=1&per_page=2"),
            format!("{BASE}/p?sort=id&page=2&per_page=2")
        ]
    );
}

#[test]
fn poll_until_empty_keeps_the_last_link_as_the_watermark_and_resumes_there() {
    static LINK: Paginator = Paginator::LinkHeader;
    const S: Stream = Stream::new(
        "logs",
        "Acme",
        BASE,
        |_| format!("{BASE}/logs?since=x"),
        account,
    )
    .paginate(Paginator::UntilEmpty(&LINK));
    let mut urls = Vec::new();
    let mut net = Exchange(|request: &Request| {
        urls.push(request.url.clone());
        let n: u32 = request
            .url
            .rsplit('=')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let body = if n >= 2 {
            "[]".to_string()
        } else {
            format!(r#"[{{"id":"e{n}"}}]"#)
        };
        let next = format!("<{BASE}/logs?after={}>; rel=\"next\"", n + 1);
        Ok(Response {
            status: 200,
            headers: vec![("Link".into(), next)],
            body: body.into(),
            url: request.url.clone(),
        })
    });
    let (records, cursors) = drain(&S, None, &mut net).unwrap();
    assert_eq!(records, ["e0", "e1"]);
    let done = format!(r#"{{"state":"done","watermark":"{BASE}/logs?after=2"}}"#);
    assert_eq!(cursors.last().cloned().flatten(), Some(done.clone()));
    let (again, _) = drain(&S, Some(&done), &mut net).unwrap();
    assert!(again.is_empty());
    assert_eq!(
        urls.last().map(String::as_str),
        Some(format!("{BASE}/logs?after=2").as_str())
    );
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Team {
    id: String,
}

fn team(raw: &RawValue) -> Option<Team> {
    Some(Team {
        id: item::<Row>(raw)?.id.into_string()?,
    })
}

fn member(slice: &Slice<'_, Team>, raw: &RawValue, out: &mut Vec<Record>) {
    let (Some(team), Some(row)) = (slice.parent, item::<Row>(raw)) else {
        return;
    };
    out.push(Record::Group(Group {
        id: team.id.clone(),
        name: row.id.into_string().unwrap_or_default(),
        member_count: None,
        raw: "{}".into(),
    }));
}

const TEAMS: Parents<Team> = Parents {
    url: || format!("{BASE}/teams"),
    records: &["value"],
    paginator: Paginator::NextLink { at: &["next"] },
    map: team,
    all_first: false,
    what: "teams page",
};

fn teams_net(url: &str) -> String {
    match url {
        u if u.ends_with("/teams") => {
            format!(r#"{{"value":[{{"id":"t1"}},{{"id":"t2"}}],"next":"{BASE}/teams?p=2"}}"#)
        }
        u if u.ends_with("p=2") => r#"{"value":[{"id":"t3"},{"nope":1}]}"#.into(),
        u if u.contains("/t1/") && !u.contains("more") => {
            format!(r#"{{"value":[{{"id":"a"}}],"next":"{BASE}/teams/t1/members?more"}}"#)
        }
        u if u.contains("/t2/") => r#"{"value":[]}"#.into(),
        _ => r#"{"value":[{"id":"z"}]}"#.into(),
    }
}

#[test]
fn the_partition_router_reads_one_page_of_parents_then_each_parents_children() {
    const S: Stream<Team> = Stream::new(
        "team-members",
        "Acme",
        BASE,
        |s| {
            format!(
                "{BASE}/teams/{}/members",
                s.parent.map_or("", |t| t.id.as_str())
            )
        },
        member,
    )
    .records(&["value"])
    .paginate(Paginator::NextLink { at: &["next"] })
    .partitions(Partitions::Parents(TEAMS));
    let mut urls = Vec::new();
    let (records, cursors) = drain(&S, None, &mut recorder(&mut urls, teams_net)).unwrap();
    assert_eq!(records, ["t1/a", "t1/z", "t3/z"]);
    assert_eq!(
        urls,
        [
            format!("{BASE}/teams"),
            format!("{BASE}/teams/t1/members"),
            format!("{BASE}/teams/t1/members?more"),
            format!("{BASE}/teams/t2/members"),
            format!("{BASE}/teams?p=2"),
            format!("{BASE}/teams/t3/members"),
        ]
    );
    assert_eq!(
        cursors[0].as_deref(),
        Some(
            format!(r#"{{"parents":[{{"id":"t1"}},{{"id":"t2"}}],"listing":"{BASE}/teams?p=2"}}"#)
                .as_str()
        )
    );
    assert_eq!(cursors.last(), Some(&None));
}

#[test]
fn a_fixed_partition_list_needs_no_listing_request() {
    const S: Stream<String> = Stream::new(
        "users",
        "Acme",
        BASE,
        |s| {
            format!(
                "{BASE}/users?status={}",
                s.parent.map_or("", String::as_str)
            )
        },
        account,
    )
    .partitions(Partitions::List(|| vec!["active".into(), "pending".into()]));
    let mut urls = Vec::new();
    let (records, cursors) = drain(
        &S,
        None,
        &mut recorder(&mut urls, |url| {
            format!(r#"[{{"id":"{}"}}]"#, url.rsplit('=').next().unwrap_or(""))
        }),
    )
    .unwrap();
    assert_eq!(records, ["active", "pending"]);
    assert_eq!(
        cursors,
        [Some(r#"{"parents":["pending"]}"#.to_string()), None]
    );
}

#[test]
fn skipped_partitions_are_noted_and_when_all_are_skipped_the_stream_fails() {
    const S: Stream<Team> = Stream::new(
        "team-members",
        "Acme",
        BASE,
        |s| {
            format!(
                "{BASE}/teams/{}/members",
                s.parent.map_or("", |t| t.id.as_str())
            )
        },
        member,
    )
    .records(&["value"])
    .partitions(Partitions::Parents(Parents {
        all_first: true,
        ..TEAMS
    }))
    .skip(
        |team, e| (e.kind == ErrorKind::Permission).then(|| format!("{}: {}", team.id, e.message)),
        "no team could be read",
    );
    let mut refusing = |url: &str| -> Result<Vec<u8>, Error> {
        if url.contains("/t2/") {
            Err(Error::permission("nope"))
        } else {
            Ok(teams_net(url).into_bytes())
        }
    };
    let (records, cursors) = drain(&S, None, &mut refusing).unwrap();
    assert_eq!(records, ["t1/a", "t3/z"]);
    assert_eq!(
        cursors[1].as_deref().map(|c| c.contains(r#""total":3"#)),
        Some(true),
        "{cursors:?}"
    );
    let mut all = |url: &str| -> Result<Vec<u8>, Error> {
        if url.contains("/members") {
            Err(Error::permission("nope"))
        } else {
            Ok(teams_net(url).into_bytes())
        }
    };
    let error = drain(&S, None, &mut all).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Permission);
    assert!(
        error
            .message
            .starts_with("no team could be read: t1: nope; t2: nope; t3: nope"),
        "{}",
        error.message
    );
    let mut throttled = |url: &str| -> Result<Vec<u8>, Error> {
        if url.contains("/members") {
            Err(Error::rate_limited("429"))
        } else {
            Ok(teams_net(url).into_bytes())
        }
    };
    assert_eq!(
        drain(&S, None, &mut throttled).err().map(|e| e.kind),
        Some(ErrorKind::RateLimited)
    );
}

fn window_url(s: &Slice<'_, ()>) -> String {
    let w = s.window.unwrap();
    format!("{BASE}/report?from={}&to={}", w.from, w.to)
}

#[test]
fn date_windows_have_a_maximum_span_and_the_next_run_overlaps_the_watermark() {
    const S: Stream = Stream::new("report", "Acme", BASE, window_url, account).windows(Windows {
        format: TimeFormat::Date,
        overlap_ms: DAY_MS,
        max_span_ms: Some(28 * DAY_MS),
        retention_days: 180,
    });
    let env = Env {
        lookback_days: 30,
        ..ENV
    };
    let mut urls = Vec::new();
    let mut net = recorder(&mut urls, |_| "[]".into());
    let mut cursor = None;
    loop {
        let page = S.sync(cursor.as_deref(), env, &mut net).unwrap();
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(
        cursor.as_deref(),
        Some(r#"{"state":"done","watermark":"2026-03-01"}"#)
    );
    let page = S.sync(cursor.as_deref(), env, &mut net).unwrap();
    assert!(!page.more);
    let ancient = r#"{"state":"done","watermark":"2020-01-01"}"#;
    let page = S.sync(Some(ancient), env, &mut net).unwrap();
    assert!(
        page.cursor.unwrap().contains(r#""start":"2025-09-02""#),
        "retention bounds the run"
    );
    let bad = S.sync(
        Some(r#"{"state":"done","watermark":"soon"}"#),
        env,
        &mut net,
    );
    assert_eq!(bad.err().map(|e| e.kind), Some(ErrorKind::Plugin));
    drop(net);
    assert_eq!(
        urls[..3],
        [
            format!("{BASE}/report?from=2026-01-30&to=2026-02-26"),
            format!("{BASE}/report?from=2026-02-27&to=2026-03-01"),
            format!("{BASE}/report?from=2026-02-28&to=2026-03-01"),
        ]
    );
}

#[test]
fn instant_windows_step_from_end_to_start_and_partitions_restart_them() {
    const S: Stream<String> = Stream::new(
        "log",
        "Acme",
        BASE,
        |s| {
            let w = s.window.unwrap();
            format!(
                "{BASE}/{}?ge={}&le={}&last={}",
                s.parent.unwrap(),
                w.from,
                w.to,
                w.last
            )
        },
        account,
    )
    .partitions(Partitions::List(|| vec!["a".into(), "b".into()]))
    .windows(Windows {
        format: TimeFormat::Instant,
        overlap_ms: 3_600_000,
        max_span_ms: Some(DAY_MS),
        retention_days: 90,
    });
    let mut urls = Vec::new();
    let (_, cursors) = drain(&S, None, &mut recorder(&mut urls, |_| "[]".into())).unwrap();
    let (d1, d2, d3) = (
        "2026-02-27T12:00:00Z",
        "2026-02-28T12:00:00Z",
        "2026-03-01T12:00:00Z",
    );
    assert_eq!(
        urls,
        [
            format!("{BASE}/a?ge={d1}&le={d2}&last=false"),
            format!("{BASE}/a?ge={d2}&le={d3}&last=true"),
            format!("{BASE}/b?ge={d1}&le={d2}&last=false"),
            format!("{BASE}/b?ge={d2}&le={d3}&last=true"),
        ]
    );
    assert_eq!(
        cursors.last().cloned().flatten(),
        Some(format!(r#"{{"state":"done","watermark":"{d3}"}}"#))
    );
}

#[test]
fn errors_go_through_the_app_hook_then_the_streams_rewrite() {
    const S: Stream = Stream::new(
        "signins",
        "Acme",
        BASE,
        |_| format!("{BASE}/signins"),
        account,
    )
    .errors(Errors {
        message: &["errorSummary"],
        code: &["errorCode"],
        refine: None,
    })
    .on_error(|e| match e.kind {
        ErrorKind::Permission => Error::unavailable(format!("needs a licence ({})", e.message)),
        _ => e,
    });
    let mut net = Exchange(|request: &Request| {
        Ok(Response {
            status: 403,
            headers: vec![],
            body: br#"{"errorCode":"E0000006","errorSummary":"No licence"}"#.to_vec(),
            url: request.url.clone(),
        })
    });
    let error = S.sync(None, ENV, &mut net).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert_eq!(
        error.message,
        "needs a licence (HTTP 403 from the upstream: No licence (code E0000006))"
    );
}

#[test]
fn an_error_of_the_unavailable_kind_makes_the_stream_unavailable_and_others_pass_through() {
    const S: Stream = Stream::new("audit-log", "Acme", BASE, |_| format!("{BASE}/a"), account)
        .unavailable_on(ErrorKind::NotFound, "no audit log on this edition");
    for (status, kind) in [(404, ErrorKind::Unavailable), (500, ErrorKind::Upstream)] {
        let mut net = Exchange(|request: &Request| {
            Ok(Response {
                status,
                headers: vec![],
                body: br#"{"message":"Not Found"}"#.to_vec(),
                url: request.url.clone(),
            })
        });
        let error = S.sync(None, ENV, &mut net).err().unwrap();
        assert_eq!(error.kind, kind, "{status}: {error:?}");
        assert_eq!(
            error
                .message
                .starts_with("no audit log on this edition: HTTP 404"),
            status == 404,
            "{error:?}"
        );
    }
}

#[test]
fn a_page_is_named_after_its_stream_unless_told_otherwise() {
    const S: Stream = Stream::new(
        "team-members",
        "Acme",
        BASE,
        |_| format!("{BASE}/t"),
        account,
    )
    .records(&["members"]);
    let mut net = |_: &str| -> Result<Vec<u8>, Error> { Ok(br#"{"members":1}"#.to_vec()) };
    let error = S.sync(None, ENV, &mut net).err().unwrap();
    assert!(
        error
            .message
            .starts_with("Acme answered a malformed team members page: "),
        "{}",
        error.message
    );
}

#[test]
fn describe_derives_abilities_from_the_streams_and_actions_in_the_contracts_order() {
    const USERS: Stream = Stream::new("users", "Acme", BASE, |_| format!("{BASE}/u"), account);
    const LOG: Stream = Stream::new("log", "Acme", BASE, |_| format!("{BASE}/l"), account)
        .about(StreamKind::Activities, "Audit log");
    const CATALOG: Catalog = Catalog {
        app: "Acme",
        streams: &[&USERS, &LOG],
    };
    let info = CATALOG.describe("acme", "1.2.3", &[Ability::Posture], &["suspend-user"]);
    assert_eq!((info.id.as_str(), info.version.as_str()), ("acme", "1.2.3"));
    assert_eq!(info.app, "Acme");
    assert_eq!(
        info.abilities,
        [
            Ability::AccountInfo,
            Ability::Users,
            Ability::AuditTrail,
            Ability::Governance,
            Ability::Posture
        ]
    );
    assert_eq!(info.streams.len(), 2);
    assert_eq!(info.actions, ["suspend-user"]);
    let bare = CATALOG.describe("acme", "1.2.3", &[], &[]);
    assert!(!bare.abilities.contains(&Ability::Governance));
    assert!(!bare.abilities.contains(&Ability::Posture));
}

#[test]
fn a_garbled_cursor_or_page_is_blamed_on_the_plugin_or_the_app() {
    const S: Stream = Stream::new("users", "Acme", BASE, |_| format!("{BASE}/u"), account)
        .records(&["users"])
        .what("users page");
    let mut net = |_: &str| -> Result<Vec<u8>, Error> { Ok(br#"{"users":"x"}"#.to_vec()) };
    let error = S.sync(None, ENV, &mut net).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert!(
        error
            .message
            .starts_with("Acme answered a malformed users page: "),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("`users` to be a list"),
        "{}",
        error.message
    );
    let error = S.sync(Some("{"), ENV, &mut net).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Plugin);
}

#[test]
fn plain_and_secret_headers_go_on_every_request_including_the_parent_list() {
    const S: Stream<Team> = Stream::new(
        "team-members",
        "Acme",
        BASE,
        |s| {
            format!(
                "{BASE}/teams/{}/members",
                s.parent.map_or("", |t| t.id.as_str())
            )
        },
        member,
    )
    .records(&["value"])
    .partitions(Partitions::Parents(TEAMS))
    .headers(&[("Accept", "application/vnd.acme+json")])
    .secret_headers(&[("Authorization", "api_token", "SSWS ")]);
    let mut seen = Vec::new();
    let mut net = Exchange(|request: &Request| {
        let accept = request
            .headers
            .iter()
            .filter(|(k, _)| k == "Accept")
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>();
        seen.push((accept, request.secret_headers.clone()));
        Ok(Response {
            status: 200,
            headers: vec![],
            body: br#"{"value":[{"id":"t1"}]}"#.to_vec(),
            url: request.url.clone(),
        })
    });
    drain(&S, None, &mut net).unwrap();
    assert_eq!(seen.len(), 2, "the listing and one team");
    for (accept, secrets) in seen {
        assert_eq!(accept, ["application/vnd.acme+json"]);
        assert_eq!(
            secrets,
            [SecretHeader {
                name: "Authorization".into(),
                secret: "api_token".into(),
                prefix: "SSWS ".into()
            }]
        );
    }
}

#[test]
fn cursors_of_another_shape_are_refused_and_extreme_counters_do_not_overflow() {
    const S: Stream = Stream::new("o", "Acme", BASE, |_| format!("{BASE}/o"), account).paginate(
        Paginator::Offset {
            param: "offset",
            limit_param: "limit",
            limit: 1,
        },
    );
    let mut net = |_: &str| -> Result<Vec<u8>, Error> { Ok(br#"[{"id":"a"}]"#.to_vec()) };
    let old = S.sync(Some(r#"{"status":"active","token":"t"}"#), ENV, &mut net);
    assert_eq!(old.err().map(|e| e.kind), Some(ErrorKind::Plugin));
    let page = S
        .sync(Some(r#"{"next":"18446744073709551615"}"#), ENV, &mut net)
        .unwrap();
    assert_eq!(
        page.cursor.as_deref(),
        Some(r#"{"next":"18446744073709551615"}"#)
    );
}
