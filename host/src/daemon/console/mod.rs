//! The operator console: server-rendered HTML pages at `/`, next to the REST
//! API, for people rather than scripts. Each page is a module of its own and
//! calls the same [`Shared`] and store functions the API handlers call; no
//! page logic lives in the API.
//!
//! Security model (docs/console.md): sign-in with an API token exchanged for
//! a server-side session ([`session`]); a synchronizer CSRF token in every
//! form, checked on every POST before any handler runs ([`guard`]); a strict
//! Content-Security-Policy and friends on every answer ([`headers`]); no
//! inline script or style (the stylesheet is embedded in the binary); every
//! string from a plugin, an upstream or the store goes through maud's
//! escaping and [`layout::clean`] (control characters neutralised, length
//! bounded).

mod accounts;
mod activity;
mod audit;
mod charts;
mod findings;
mod instances;
mod layout;
mod plugins;
pub mod session;
mod signin;
mod trace;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::Shared;

/// The Content-Security-Policy of every console answer: nothing but this
/// origin's stylesheet (and images, none today); no script at all runs.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Largest form a console POST may carry.
const FORM_LIMIT: usize = 64 << 10;

/// The console's state: the daemon's (sessions live in its store).
pub struct Console {
    shared: Arc<Shared>,
}

type St = State<Arc<Console>>;

/// The console's routes over `shared`, to merge with the API's.
pub fn router(shared: Arc<Shared>) -> Router {
    let console = Arc::new(Console { shared });
    Router::new()
        .route("/", get(instances::list))
        .route("/sign-in", get(signin::form).post(signin::submit))
        .route("/sign-out", post(signin::sign_out))
        .route(
            "/instances/new",
            get(instances::new_form).post(instances::create),
        )
        .route("/instances/{id}", get(instances::show))
        .route("/instances/{id}/scan", post(instances::scan))
        .route("/instances/{id}/connect", post(instances::connect))
        .route("/findings", get(findings::list))
        .route("/findings/{instance}/{check}", get(findings::show))
        .route("/accounts", get(accounts::list))
        .route(
            "/accounts/suspend",
            get(accounts::suspend_form).post(accounts::suspend),
        )
        .route("/activity", get(activity::search))
        .route("/plugins", get(plugins::list))
        .route("/plugins/{id}/pending/approve", post(plugins::approve))
        .route("/plugins/{id}/pending/refuse", post(plugins::refuse))
        .route("/audit", get(audit::list))
        .route("/assets/console.css", get(stylesheet))
        .layer(middleware::from_fn_with_state(console.clone(), guard))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(middleware::from_fn(headers))
        .with_state(console)
}

/// The stylesheet, embedded in the binary.
const CSS: &str = include_str!("assets/console.css");

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Security headers on every console answer.
async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Admit a request: the sign-in page and the stylesheet to anyone; every
/// other page to a live session only (others are sent to sign in); every
/// POST only with the session's CSRF token in its form (others are refused
/// with 403 before any handler runs). The session is handed to the handler
/// as an extension.
async fn guard(State(c): St, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/sign-in" || path.starts_with("/assets/") {
        return next.run(req).await;
    }
    let Some(id) = session::cookie(req.headers(), session::COOKIE) else {
        return layout::redirect("/sign-in");
    };
    let session = match session::resolve(&c.shared.store, &id) {
        Ok(Some(s)) => s,
        Ok(None) => {
            tracing::info!(path = %path, "console: a request with an unknown, expired or revoked session was sent to sign in");
            return signin::session_ended();
        }
        Err(e) => {
            tracing::warn!(error = %e, "console: cannot check a session");
            return layout::refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "Your session could not be checked: the store does not answer (the daemon's fault, not yours).",
                "Nothing was changed. See the daemon's log, then reload the page.",
            );
        }
    };
    let mut req = req;
    if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            return layout::refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The form is too large.",
                "Send less text, or use the REST API.",
            );
        };
        let given = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        if !given.is_some_and(|g| session::same(&g, &session.csrf)) {
            tracing::warn!(path = %parts.uri.path(), "console: a POST without its session's CSRF token was refused");
            return layout::refused(
                StatusCode::FORBIDDEN,
                "This form was refused: its security token is missing or wrong.",
                "Nothing was changed. Go back, reload the page and submit the form again. If this keeps happening, sign out and in again.",
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(session);
    next.run(req).await
}
