//! The browser side of Zoom's OAuth app flow: `GET /oauth/authorize` serves the
//! consent form, `POST /oauth/authorize/consent` submits it and redirects to the
//! app's redirect URI with a code (or `error=access_denied`).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::oauth_app::Authorization;
use crate::common::consent::{Challenge, consent_page, redirect_allowed, redirect_to};
use crate::common::query::{KeyMatch, Query};
use crate::zoom::state::{SimState, lock};

/// Where the consent form posts.
pub(crate) const CONSENT_PATH: &str = "/oauth/authorize/consent";

fn page_error(code: u32, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

/// `GET /oauth/authorize?response_type=code&client_id&redirect_uri&state&code_challenge…`.
pub(crate) async fn authorize(State(state): State<Arc<SimState>>, uri: Uri) -> Response {
    let query = Query::parse(uri.query(), KeyMatch::Exact);
    let mut app = lock(&state.oauth);
    if query.get("client_id") != Some(app.client_id.as_str()) {
        return page_error(4702, "Invalid client_id.");
    }
    let Some(redirect_uri) = query
        .non_empty("redirect_uri")
        .filter(|r| redirect_allowed(&app.redirect_uris, r))
        .map(str::to_owned)
    else {
        return page_error(4709, "Redirect URI mismatch.");
    };
    let client_state = query.get("state").map(str::to_owned);
    let with_state = |mut params: Vec<(&'static str, String)>| {
        if let Some(s) = &client_state {
            params.push(("state", s.clone()));
        }
        params
    };
    let back = |params: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        redirect_to(&redirect_uri, &pairs)
    };
    if query.get("response_type") != Some("code") {
        return back(with_state(vec![(
            "error",
            "unsupported_response_type".into(),
        )]));
    }
    let challenge = match Challenge::of(
        query.get("code_challenge"),
        query.get("code_challenge_method"),
    ) {
        Ok(c) => c,
        Err(_) => return back(with_state(vec![("error", "invalid_request".into())])),
    };
    let id = app.begin(Authorization {
        redirect_uri: redirect_uri.clone(),
        state: client_state.clone(),
        challenge,
    });
    consent_page(
        "Allow this app to use your Zoom account?",
        CONSENT_PATH,
        &id,
        "The app asks to read users, reports, roles, groups and account settings.",
    )
}

/// `POST /oauth/authorize/consent` (form `consent=ID&decision=allow|deny`).
pub(crate) async fn submit(State(state): State<Arc<SimState>>, body: Bytes) -> Response {
    let form = Query::parse(Some(&String::from_utf8_lossy(&body)), KeyMatch::Exact);
    let mut app = lock(&state.oauth);
    let Some(authorization) = form.get("consent").and_then(|id| app.take_pending(id)) else {
        return page_error(4734, "This consent page has expired; start again.");
    };
    let redirect_uri = authorization.redirect_uri.clone();
    let client_state = authorization.state.clone();
    let mut params: Vec<(&str, String)> = if form.get("decision") == Some("allow") {
        vec![("code", app.issue_code(authorization, Instant::now()))]
    } else {
        vec![("error", "access_denied".into())]
    };
    if let Some(s) = client_state {
        params.push(("state", s));
    }
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    redirect_to(&redirect_uri, &pairs)
}
