//! Sign in with an API token, sign out.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{document, notice, redirect, refused};
use super::session::{self, LIFETIME, Session};
use super::{Console, St};
use crate::daemon::tokens::verify_token;

#[derive(Debug, Default, Deserialize)]
pub(super) struct SignInQuery {
    msg: Option<String>,
}

/// `Secure` when the browser reached us over TLS (a proxy in front says so
/// with `X-Forwarded-Proto: https`); the daemon itself serves plain HTTP on
/// loopback, where a `Secure` cookie would not be sent back.
fn secure(headers: &HeaderMap) -> &'static str {
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if tls { "; Secure" } else { "" }
}

fn signin_page(status: StatusCode, pre: &str, message: Option<(&str, bool)>) -> Response {
    document(
        status,
        "Sign in",
        None,
        html! {
            div class="signin-card" {
                p class="brand-big" { span class="logo" aria-hidden="true" {} "Plugboard" }
                h1 { "Sign in to the console" }
                @if let Some((text, error)) = message {
                    div class=(if error { "alert alert-error" } else { "alert alert-ok" }) role=(if error { "alert" } else { "status" }) { (text) }
                }
                form method="post" action="/sign-in" {
                    input type="hidden" name="signin" value=(pre);
                    div class="field" {
                        label for="token" { "API token" }
                        input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" aria-describedby="token-hint";
                        p class="hint" id="token-hint" { "A token from " code { "plugboard token create" } ". It is checked once and never stored in your browser; a session cookie is." }
                    }
                    button type="submit" class="btn btn-primary" { "Sign in" }
                }
            }
        },
    )
}

fn with_signin_cookie(mut resp: Response, pre: &str, headers: &HeaderMap) -> Response {
    if let Ok(v) = format!(
        "{}={pre}; HttpOnly; SameSite=Strict; Path=/sign-in; Max-Age=3600{}",
        session::SIGNIN_COOKIE,
        secure(headers)
    )
    .parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /sign-in`.
pub(super) async fn form(headers: HeaderMap, Query(q): Query<SignInQuery>) -> Response {
    let pre = session::random_token();
    let msg = notice(q.msg.as_deref()).map(|m| (m, false));
    with_signin_cookie(signin_page(StatusCode::OK, &pre, msg), &pre, &headers)
}

#[derive(Deserialize)]
pub(super) struct SignIn {
    #[serde(default)]
    token: String,
    #[serde(default)]
    signin: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignIn { token: [redacted] }")
    }
}

/// `POST /sign-in`: a valid API token starts a session.
pub(super) async fn submit(State(c): St, headers: HeaderMap, Form(f): Form<SignIn>) -> Response {
    let pre_ok = session::cookie(&headers, session::SIGNIN_COOKIE)
        .is_some_and(|pre| !f.signin.is_empty() && session::same(&pre, &f.signin));
    if !pre_ok {
        return refused(
            StatusCode::FORBIDDEN,
            "This sign-in form was refused: its security token is missing or wrong.",
            "Open the sign-in page again and sign in from there.",
        );
    }
    let store = c.shared.store.clone();
    let token = zeroize::Zeroizing::new(f.token.trim().to_string());
    let found = tokio::task::spawn_blocking(move || verify_token(&store, &token)).await;
    let row = match found {
        Ok(Ok(Some(row))) => row,
        Ok(Ok(None)) => {
            tracing::warn!("console: a sign-in with an unknown or revoked token was refused");
            let pre = session::random_token();
            return with_signin_cookie(
                signin_page(
                    StatusCode::UNAUTHORIZED,
                    &pre,
                    Some((
                        "That token is not valid: it is unknown, revoked or mistyped. Create one with `plugboard token create`.",
                        true,
                    )),
                ),
                &pre,
                &headers,
            );
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "console: cannot check a token");
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "The token could not be checked: the store does not answer.",
                "See the daemon's log, then try again.",
            );
        }
        Err(_) => {
            return refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The token check failed.",
                "See the daemon's log, then try again.",
            );
        }
    };
    let store = c.shared.store.clone();
    let started =
        tokio::task::spawn_blocking(move || session::start(&store, &row.id, &row.name)).await;
    let s = match started {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "console: cannot start a session");
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "The session could not be started: the store does not answer, or the token was revoked meanwhile.",
                "See the daemon's log, then sign in again.",
            );
        }
        Err(_) => {
            return refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The session could not be started.",
                "See the daemon's log, then sign in again.",
            );
        }
    };
    let mut resp = redirect("/");
    let cookie = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        session::COOKIE,
        s.id,
        LIFETIME.as_secs(),
        secure(&headers)
    );
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Ok(v) = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/sign-in; Max-Age=0",
        session::SIGNIN_COOKIE
    )
    .parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `POST /sign-out`: the session ends on the server, and its cookie goes.
pub(super) async fn sign_out(
    State(c): State<Arc<Console>>,
    Extension(s): Extension<Session>,
) -> Response {
    let store = c.shared.store.clone();
    let id = s.id.clone();
    match tokio::task::spawn_blocking(move || session::end(&store, &id)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "console: cannot end a session");
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "You are not signed out: the store does not answer (the daemon's fault, not yours).",
                "See the daemon's log, then sign out again.",
            );
        }
        Err(_) => {
            return refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "You are not signed out: the sign-out failed.",
                "See the daemon's log, then sign out again.",
            );
        }
    }
    without_session_cookie(redirect("/sign-in?msg=signed-out")).into_response()
}

/// The answer to a request whose session cookie names no live session
/// (unknown, tampered with, expired, signed out elsewhere, or its API token
/// revoked): to the sign-in page, saying so, and the cookie goes.
pub(super) fn session_ended() -> Response {
    without_session_cookie(redirect("/sign-in?msg=session-ended"))
}

fn without_session_cookie(mut resp: Response) -> Response {
    if let Ok(v) = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
        session::COOKIE
    )
    .parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
