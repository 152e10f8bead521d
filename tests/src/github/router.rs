//! The HTTP edge. Order for a request: route (404) → count → `User-Agent`
//! (403) → `X-GitHub-Api-Version` (400) → credentials (401: the app JWT on the
//! app endpoints, a fine-grained or installation token elsewhere) → injected
//! faults (a secondary limit, an error) → the primary window (403/429 with
//! remaining 0) → the handler. Every answer carries `x-ratelimit-*`; every
//! request is logged with its status.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::dataset::{Event, User};
use super::limits::Headers;
use super::{API_ORIGIN, APP_CLIENT_ID, APP_ID, INSTALLATION_ID, State};
use crate::authserver::jwt::{Expect, now, verify};
use crate::common::body::read_body;
use crate::common::query::{KeyMatch, Query, percent_decode};
use crate::common::request_log::RecordedRequest;
use crate::faults::Fault;
use crate::lock;

/// API versions GitHub accepts in `X-GitHub-Api-Version`.
const VERSIONS: [&str; 2] = ["2022-11-28", "2026-03-10"];
/// Longest app JWT: ten minutes.
const MAX_JWT_AHEAD: i64 = 600;
/// The audit log answers only the past three months without a `created:` term.
const DEFAULT_AUDIT_DAYS: i64 = 90;

pub(crate) fn app(state: Arc<State>) -> Router {
    Router::new().fallback(entry).with_state(state)
}

/// What a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Endpoint {
    App,
    Installation,
    AccessTokens(String),
    Org,
    Members,
    OutsideCollaborators,
    Teams,
    TeamMembers(String),
    AuditLog,
    RemoveMember(String),
    Convert(String),
}

impl Endpoint {
    fn needs_jwt(&self) -> bool {
        matches!(
            self,
            Endpoint::App | Endpoint::Installation | Endpoint::AccessTokens(_)
        )
    }
}

/// An answer: status, JSON body (`Null` for none), extra headers.
struct Answer(StatusCode, Value, Vec<(&'static str, String)>);

fn error(status: StatusCode, message: &str) -> Answer {
    Answer(
        status,
        json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": status.as_u16().to_string(),
        }),
        Vec::new(),
    )
}

fn resolve(state: &State, method: &Method, path: &str) -> Result<Endpoint, Answer> {
    let parts: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let org_ok = |org: &str| org.eq_ignore_ascii_case(&state.org);
    let endpoint = match (method.as_str(), parts.as_slice()) {
        ("GET", ["app"]) => Endpoint::App,
        ("POST", ["app", "installations", id, "access_tokens"]) => {
            Endpoint::AccessTokens((*id).to_owned())
        }
        ("GET", ["orgs", org, "installation"]) if org_ok(org) => Endpoint::Installation,
        ("GET", ["orgs", org]) if org_ok(org) => Endpoint::Org,
        ("GET", ["orgs", org, "members"]) if org_ok(org) => Endpoint::Members,
        ("GET", ["orgs", org, "outside_collaborators"]) if org_ok(org) => {
            Endpoint::OutsideCollaborators
        }
        ("GET", ["orgs", org, "teams"]) if org_ok(org) => Endpoint::Teams,
        ("GET", ["orgs", org, "teams", slug, "members"]) if org_ok(org) => {
            Endpoint::TeamMembers((*slug).to_owned())
        }
        ("GET", ["orgs", org, "audit-log"]) if org_ok(org) => Endpoint::AuditLog,
        ("DELETE", ["orgs", org, "members", user]) if org_ok(org) => {
            Endpoint::RemoveMember((*user).to_owned())
        }
        ("PUT", ["orgs", org, "outside_collaborators", user]) if org_ok(org) => {
            Endpoint::Convert((*user).to_owned())
        }
        _ => return Err(error(StatusCode::NOT_FOUND, "Not Found")),
    };
    Ok(endpoint)
}

async fn entry(Extract(state): Extract<Arc<State>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = Query::parse(parts.uri.query(), KeyMatch::Exact);
    let body = read_body(body).await;
    let endpoint = resolve(&state, &parts.method, &path);
    let minting = matches!(endpoint, Ok(Endpoint::AccessTokens(_)));
    let token_fault = match minting {
        true => state.faults.token_fault().await,
        false => None,
    };
    let now = SystemTime::now();
    let (answer, rate) = match (endpoint, &body, token_fault) {
        (Err(answer), _, _) => (answer, lock(&state.primary).peek(now)),
        (_, None, _) => (
            error(StatusCode::PAYLOAD_TOO_LARGE, "Body too large"),
            lock(&state.primary).peek(now),
        ),
        (Ok(_), _, Some(status)) => (
            error(status, "Server Error"),
            lock(&state.primary).peek(now),
        ),
        (Ok(endpoint), Some(bytes), None) => {
            handle(&state, &endpoint, &parts.headers, &query, bytes, now)
        }
    };
    let Answer(status, value, extra) = answer;
    {
        let mut counters = lock(&state.counters);
        counters.requests += 1;
        counters.unauthorized += u64::from(status == StatusCode::UNAUTHORIZED);
        counters.windows = lock(&state.primary).begun;
    }
    lock(&state.log).push(RecordedRequest::received(
        &parts.method,
        &path,
        &query,
        body.as_deref(),
        status.as_u16(),
    ));
    state.faults.before_answer(&path).await;
    let mut response = if value.is_null() {
        status.into_response()
    } else {
        (status, axum::Json(value)).into_response()
    };
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put("x-ratelimit-limit", rate.limit.to_string());
    put("x-ratelimit-remaining", rate.remaining.to_string());
    put("x-ratelimit-used", rate.used.to_string());
    put("x-ratelimit-reset", rate.reset.to_string());
    put("x-ratelimit-resource", "core".into());
    put("x-github-api-version-selected", VERSIONS[0].into());
    for (name, value) in extra {
        put(name, value);
    }
    response
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The pipeline after routing; synchronous, so no lock is held across an await.
fn handle(
    state: &State,
    endpoint: &Endpoint,
    headers: &HeaderMap,
    query: &Query,
    body: &[u8],
    now: SystemTime,
) -> (Answer, Headers) {
    let peek = || lock(&state.primary).peek(now);
    if header(headers, "user-agent").is_none_or(|ua| ua.trim().is_empty()) {
        let message = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.";
        return (error(StatusCode::FORBIDDEN, message), peek());
    }
    if header(headers, "x-github-api-version").is_some_and(|v| !VERSIONS.contains(&v.trim())) {
        return (
            error(StatusCode::BAD_REQUEST, "Invalid API version provided."),
            peek(),
        );
    }
    let credential = header(headers, "authorization").and_then(|v| v.trim().split_once(' '));
    if endpoint.needs_jwt() {
        let jwt = credential
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        if let Err(why) = check_jwt(state, jwt) {
            return (error(StatusCode::UNAUTHORIZED, &why), peek());
        }
        return (app_endpoint(state, endpoint), peek());
    }
    let token_ok = credential.is_some_and(|(scheme, token)| {
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
            && (token == state.token
                || lock(&state.installation_tokens)
                    .iter()
                    .any(|(t, exp)| t == token && *exp > now_secs(now)))
    });
    if !token_ok {
        return (error(StatusCode::UNAUTHORIZED, "Bad credentials"), peek());
    }
    match state.faults.take(std::time::Instant::now()) {
        Some(Fault::Throttle) => {
            lock(&state.counters).secondary_limited += 1;
            let status =
                StatusCode::from_u16(state.throttle_status).unwrap_or(StatusCode::FORBIDDEN);
            let mut answer = error(
                status,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
            );
            answer.2.push(("retry-after", "1".into()));
            return (answer, peek());
        }
        Some(Fault::Fail(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (error(status, "Server Error"), peek());
        }
        None => {}
    }
    let rate = match lock(&state.primary).take(now) {
        Ok(rate) => rate,
        Err(rate) => {
            lock(&state.counters).rate_limited += 1;
            let status =
                StatusCode::from_u16(state.throttle_status).unwrap_or(StatusCode::FORBIDDEN);
            return (
                error(
                    status,
                    "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.",
                ),
                rate,
            );
        }
    };
    let answer = match endpoint {
        Endpoint::Org => Answer(StatusCode::OK, org_json(state), Vec::new()),
        Endpoint::Members => {
            let role = query.get("role").unwrap_or("all");
            let filter = query.get("filter").unwrap_or("all");
            if !matches!(role, "all" | "admin" | "member")
                || !matches!(filter, "all" | "2fa_disabled" | "2fa_insecure")
            {
                error(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed")
            } else {
                let users: Vec<Value> = lock(&state.users)
                    .iter()
                    .filter(|u| u.role.is_some_and(|r| role == "all" || r == role))
                    .filter(|u| filter == "all" || !u.two_factor)
                    .map(user_json)
                    .collect();
                paged(users, "members", query, state)
            }
        }
        Endpoint::OutsideCollaborators => {
            let filter = query.get("filter").unwrap_or("all");
            let users: Vec<Value> = lock(&state.users)
                .iter()
                .filter(|u| u.role.is_none() && (filter == "all" || !u.two_factor))
                .map(user_json)
                .collect();
            paged(users, "outside_collaborators", query, state)
        }
        Endpoint::Teams => {
            let teams: Vec<Value> = lock(&state.teams)
                .iter()
                .map(|t| team_json(state, t))
                .collect();
            paged(teams, "teams", query, state)
        }
        Endpoint::TeamMembers(slug) => {
            let role = query.get("role").unwrap_or("all");
            let teams = lock(&state.teams);
            let Some(team) = teams.iter().find(|t| t.slug == *slug) else {
                return (error(StatusCode::NOT_FOUND, "Not Found"), rate);
            };
            let users = lock(&state.users);
            let members: Vec<Value> = team
                .members
                .iter()
                .filter(|(_, r)| role == "all" || *r == role)
                .filter_map(|(login, _)| users.iter().find(|u| u.login == *login))
                .map(user_json)
                .collect();
            paged(members, &format!("teams/{slug}/members"), query, state)
        }
        Endpoint::AuditLog if !state.audit_log => error(StatusCode::NOT_FOUND, "Not Found"),
        Endpoint::AuditLog => audit_log(state, query, now),
        Endpoint::RemoveMember(login) => remove_member(state, login),
        Endpoint::Convert(login) => convert(state, login, body),
        Endpoint::App | Endpoint::Installation | Endpoint::AccessTokens(_) => {
            error(StatusCode::NOT_FOUND, "Not Found")
        }
    };
    (answer, rate)
}

fn now_secs(now: SystemTime) -> i64 {
    now.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The app JWT: RS256 with the app's key, `iss` the client id or the app id,
/// `iat` present and `exp` at most ten minutes after it.
fn check_jwt(state: &State, jwt: Option<&str>) -> Result<(), String> {
    let jwt = jwt.ok_or("A JSON web token could not be decoded")?;
    let expect = |iss| Expect {
        iss,
        sub: None,
        aud: None,
        max_ahead: MAX_JWT_AHEAD,
        jti: None,
        iat: true,
    };
    let app_id = APP_ID.to_string();
    verify(jwt, &state.key, expect(APP_CLIENT_ID))
        .or_else(|_| verify(jwt, &state.key, expect(&app_id)))
        .map(|_| ())
}

fn app_endpoint(state: &State, endpoint: &Endpoint) -> Answer {
    match endpoint {
        Endpoint::App => Answer(
            StatusCode::OK,
            json!({
                "id": APP_ID, "client_id": APP_CLIENT_ID, "slug": "plugboard-sim",
                "node_id": "A_sim", "name": "Plugboard Sim", "description": "",
                "external_url": "https://plugboard.example", "html_url": "https://github.com/apps/plugboard-sim",
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "owner": org_owner(state), "permissions": permissions(), "events": [],
                "installations_count": 1,
            }),
            Vec::new(),
        ),
        Endpoint::Installation => Answer(
            StatusCode::OK,
            json!({
                "id": INSTALLATION_ID, "app_id": APP_ID, "client_id": APP_CLIENT_ID,
                "app_slug": "plugboard-sim", "target_id": state.org_id, "target_type": "Organization",
                "single_file_name": null, "repository_selection": "all",
                "access_tokens_url": format!("{API_ORIGIN}/app/installations/{INSTALLATION_ID}/access_tokens"),
                "html_url": format!("https://github.com/organizations/{}/settings/installations/{INSTALLATION_ID}", state.org),
                "repositories_url": format!("{API_ORIGIN}/installation/repositories"),
                "events": [], "account": org_owner(state), "permissions": permissions(),
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "suspended_by": null, "suspended_at": null,
            }),
            Vec::new(),
        ),
        Endpoint::AccessTokens(id) if *id == INSTALLATION_ID.to_string() => {
            let lifetime = state.faults.token_lifetime();
            let token = format!("ghs_{}", crate::common::server::random_secret(36));
            let expires = now() + i64::try_from(lifetime.as_secs()).unwrap_or(3_600);
            lock(&state.installation_tokens).push((token.clone(), expires));
            lock(&state.counters).tokens_minted += 1;
            let expires_at = time::OffsetDateTime::from_unix_timestamp(expires)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default();
            Answer(
                StatusCode::CREATED,
                json!({"token": token, "expires_at": expires_at, "permissions": permissions(), "repository_selection": "all"}),
                Vec::new(),
            )
        }
        _ => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn permissions() -> Value {
    json!({"members": "write", "organization_administration": "read"})
}

fn org_owner(state: &State) -> Value {
    let mut owner = user_json(&User {
        login: state.org.clone(),
        id: state.org_id,
        role: None,
        two_factor: true,
    });
    owner["type"] = json!("Organization");
    owner
}

fn user_json(user: &User) -> Value {
    let url = format!("{API_ORIGIN}/users/{}", user.login);
    json!({
        "login": user.login, "id": user.id, "node_id": format!("U_{}", user.id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", user.id),
        "gravatar_id": "", "url": url, "html_url": format!("https://github.com/{}", user.login),
        "followers_url": format!("{url}/followers"), "following_url": format!("{url}/following{{/other_user}}"),
        "gists_url": format!("{url}/gists{{/gist_id}}"), "starred_url": format!("{url}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{url}/subscriptions"), "organizations_url": format!("{url}/orgs"),
        "repos_url": format!("{url}/repos"), "events_url": format!("{url}/events{{/privacy}}"),
        "received_events_url": format!("{url}/received_events"), "type": "User",
        "site_admin": false, "user_view_type": "public",
    })
}

fn team_json(state: &State, team: &super::dataset::Team) -> Value {
    let url = format!(
        "{API_ORIGIN}/organizations/{}/team/{}",
        state.org_id, team.id
    );
    json!({
        "id": team.id, "node_id": format!("T_{}", team.id), "url": url,
        "html_url": format!("https://github.com/orgs/{}/teams/{}", state.org, team.slug),
        "name": team.name, "slug": team.slug, "description": format!("The {} team", team.name),
        "privacy": "closed", "notification_setting": "notifications_enabled", "permission": "pull",
        "members_url": format!("{url}/members{{/member}}"), "repositories_url": format!("{url}/repos"),
        "parent": null, "type": "organization", "organization_id": state.org_id,
    })
}

fn org_json(state: &State) -> Value {
    let s = &state.settings;
    let url = format!("{API_ORIGIN}/orgs/{}", state.org);
    let users = lock(&state.users);
    let seats = users.iter().filter(|u| u.role.is_some()).count();
    json!({
        "login": state.org, "id": state.org_id, "node_id": format!("O_{}", state.org_id), "url": url,
        "repos_url": format!("{url}/repos"), "events_url": format!("{url}/events"), "hooks_url": format!("{url}/hooks"),
        "issues_url": format!("{url}/issues"), "members_url": format!("{url}/members{{/member}}"),
        "public_members_url": format!("{url}/public_members{{/member}}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", state.org_id),
        "description": "A simulated organization", "name": "Acme Corp", "html_url": format!("https://github.com/{}", state.org),
        "has_organization_projects": true, "has_repository_projects": true, "public_repos": 12, "public_gists": 0,
        "followers": 0, "following": 0, "type": "Organization",
        "created_at": "2019-03-01T10:00:00Z", "updated_at": "2026-06-01T10:00:00Z", "archived_at": null,
        "plan": {"name": "enterprise", "space": 976_562_499, "private_repos": 999_999, "filled_seats": seats, "seats": 500},
        "two_factor_requirement_enabled": s.two_factor_requirement_enabled,
        "default_repository_permission": s.default_repository_permission,
        "members_can_create_repositories": true,
        "members_allowed_repository_creation_type": if s.members_can_create_public_repositories { "all" } else { "private" },
        "members_can_create_public_repositories": s.members_can_create_public_repositories,
        "members_can_create_private_repositories": true,
        "members_can_invite_outside_collaborators": s.members_can_invite_outside_collaborators,
        "members_can_fork_private_repositories": false,
        "web_commit_signoff_required": s.web_commit_signoff_required,
        "secret_scanning_push_protection_enabled_for_new_repositories": s.secret_scanning_push_protection_enabled_for_new_repositories,
    })
}

/// One page of `items` by `page`/`per_page` (default 30, at most 100), with
/// GitHub's `Link` header.
fn paged(items: Vec<Value>, tail: &str, query: &Query, state: &State) -> Answer {
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = query
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let link = |n: usize, rel: &str| {
        format!(
            "<{API_ORIGIN}/orgs/{}/{tail}?{}>; rel=\"{rel}\"",
            state.org,
            query.encode_with(&["page"], ("page", &n.to_string()))
        )
    };
    let mut links = Vec::new();
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
        links.push(link(page - 1, "prev"));
    }
    let extra = match links.is_empty() {
        true => Vec::new(),
        false => vec![("link", links.join(", "))],
    };
    Answer(StatusCode::OK, Value::Array(body), extra)
}

fn cursor(event: &Event) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", event.created_ms, event.document_id))
}

fn day_ms(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// The `created:` range of a phrase, in ms (`from` inclusive, `to` exclusive).
fn created_range(phrase: &str) -> Option<(i64, i64)> {
    const DAY: i64 = 86_400_000;
    let term = phrase
        .split_whitespace()
        .find_map(|t| t.strip_prefix("created:"))?;
    Some(if let Some((a, b)) = term.split_once("..") {
        (day_ms(a)?, day_ms(b)? + DAY)
    } else if let Some(a) = term.strip_prefix(">=") {
        (day_ms(a)?, i64::MAX)
    } else if let Some(a) = term.strip_prefix('>') {
        (day_ms(a)? + DAY, i64::MAX)
    } else if let Some(b) = term.strip_prefix("<=") {
        (i64::MIN, day_ms(b)? + DAY)
    } else if let Some(b) = term.strip_prefix('<') {
        (i64::MIN, day_ms(b)?)
    } else {
        let a = day_ms(term)?;
        (a, a + DAY)
    })
}

fn matches_phrase(phrase: &str, event: &Event) -> bool {
    phrase.split_whitespace().all(|term| {
        let (negated, term) = match term.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, term),
        };
        let hit = if let Some(action) = term.strip_prefix("action:") {
            event.action == action || event.action.split('.').next() == Some(action)
        } else if let Some(actor) = term.strip_prefix("actor:") {
            event.actor == actor
        } else if let Some(user) = term.strip_prefix("user:") {
            event.user.as_deref() == Some(user)
        } else {
            true
        };
        hit != negated
    })
}

fn audit_log(state: &State, query: &Query, now: SystemTime) -> Answer {
    let phrase = query.get("phrase").unwrap_or("");
    let range = match created_range(phrase) {
        Some(range) => range,
        None if phrase.contains("created:") => {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed");
        }
        None => (
            now_secs(now) * 1000 - DEFAULT_AUDIT_DAYS * 86_400_000,
            i64::MAX,
        ),
    };
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let mut events: Vec<&Event> = state
        .dataset
        .events
        .iter()
        .filter(|e| e.created_ms >= range.0 && e.created_ms < range.1)
        .filter(|e| matches_phrase(phrase, e))
        .collect();
    if query.get("order") != Some("asc") {
        events.reverse();
    }
    let position = |c: &str| events.iter().position(|e| cursor(e) == c);
    let (start, end) = match (query.non_empty("after"), query.non_empty("before")) {
        (Some(after), _) => {
            let start = position(after).map_or(events.len(), |i| i + 1);
            (start, (start + per_page).min(events.len()))
        }
        (None, Some(before)) => {
            let end = position(before).unwrap_or(0);
            (end.saturating_sub(per_page), end)
        }
        (None, None) => (0, per_page.min(events.len())),
    };
    let page: Vec<Value> = events
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|e| event_json(state, e))
        .collect();
    let link = |key: &str, event: &Event, rel: &str| {
        format!(
            "<{API_ORIGIN}/orgs/{}/audit-log?{}>; rel=\"{rel}\"",
            state.org,
            query.encode_with(&["after", "before"], (key, &cursor(event)))
        )
    };
    let mut links = Vec::new();
    if end < events.len()
        && let Some(last) = events.get(end.saturating_sub(1))
    {
        links.push(link("after", last, "next"));
    }
    if start > 0
        && let Some(first) = events.get(start)
    {
        links.push(link("before", first, "prev"));
    }
    let extra = match links.is_empty() {
        true => Vec::new(),
        false => vec![("link", links.join(", "))],
    };
    Answer(StatusCode::OK, Value::Array(page), extra)
}

fn event_json(state: &State, e: &Event) -> Value {
    let mut v = json!({
        "@timestamp": e.created_ms, "created_at": e.created_ms, "_document_id": e.document_id,
        "action": e.action, "actor": e.actor, "actor_id": 1, "org": state.org, "org_id": state.org_id,
        "actor_location": {"country_name": e.country}, "operation_type": "modify",
    });
    if let Some(user) = &e.user {
        v["user"] = json!(user);
    }
    if let Some(team) = &e.team {
        v["team"] = json!(format!("{}/{team}", state.org));
    }
    v
}

/// The caller may not leave the organization without an owner.
fn last_owner(users: &[User], login: &str) -> bool {
    let owners: Vec<&User> = users.iter().filter(|u| u.role == Some("admin")).collect();
    owners.len() == 1 && owners.iter().any(|u| u.login.eq_ignore_ascii_case(login))
}

fn remove_member(state: &State, login: &str) -> Answer {
    let mut users = lock(&state.users);
    let Some(index) = users
        .iter()
        .position(|u| u.login.eq_ignore_ascii_case(login) && u.role.is_some())
    else {
        return error(
            StatusCode::FORBIDDEN,
            "User is not a member of this organization.",
        );
    };
    if last_owner(&users, login) {
        return error(
            StatusCode::FORBIDDEN,
            "You cannot remove the last owner of an organization.",
        );
    }
    let user = users.remove(index);
    for team in lock(&state.teams).iter_mut() {
        team.members.retain(|(l, _)| *l != user.login);
    }
    Answer(StatusCode::NO_CONTENT, Value::Null, Vec::new())
}

fn convert(state: &State, login: &str, body: &[u8]) -> Answer {
    let asynchronous = match body.iter().all(u8::is_ascii_whitespace) {
        true => false,
        false => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(o)) => o.get("async").and_then(Value::as_bool).unwrap_or(false),
            Ok(_) => return error(StatusCode::BAD_REQUEST, "Body should be a JSON object"),
            Err(_) => return error(StatusCode::BAD_REQUEST, "Problems parsing JSON"),
        },
    };
    let mut users = lock(&state.users);
    let Some(index) = users
        .iter()
        .position(|u| u.login.eq_ignore_ascii_case(login))
    else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    // The description documents this 403 without a body (the last owner, not
    // a member, or an enterprise policy forbids outside collaborators).
    let forbidden = Answer(StatusCode::FORBIDDEN, Value::Null, Vec::new());
    if last_owner(&users, login) {
        return forbidden;
    }
    let Some(user) = users.get_mut(index).filter(|u| u.role.is_some()) else {
        return forbidden;
    };
    user.role = None;
    let login = user.login.clone();
    for team in lock(&state.teams).iter_mut() {
        team.members.retain(|(l, _)| *l != login);
    }
    match asynchronous {
        true => Answer(StatusCode::ACCEPTED, json!({}), Vec::new()),
        false => Answer(StatusCode::NO_CONTENT, Value::Null, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_terms_give_day_ranges() {
        let day = 86_400_000;
        let a = day_ms("2026-07-01").unwrap_or_default();
        assert_eq!(
            created_range("created:2026-07-01..2026-07-02 action:org"),
            Some((a, a + 2 * day))
        );
        assert_eq!(created_range("created:>=2026-07-01"), Some((a, i64::MAX)));
        assert_eq!(created_range("action:org"), None);
        assert_eq!(created_range("created:yesterday"), None);
    }
}
