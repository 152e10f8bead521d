//! Zoom-shaped error answers: `{"code": <int>, "message": "..."}` with an HTTP status.
//!
//! Every failure the simulator sends to a client goes through [`ZoomError`], so no input
//! can produce a body that a Zoom client would not recognise.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(crate) use crate::common::echo::echo;

/// Zoom's code for an invalid or expired access token.
pub(crate) const CODE_INVALID_TOKEN: i64 = 124;
/// Zoom's code for a malformed or invalid request.
pub(crate) const CODE_INVALID_REQUEST: i64 = 300;
/// Zoom's code for an unknown user.
pub(crate) const CODE_USER_NOT_FOUND: i64 = 1001;
/// Zoom's code for an unknown account.
pub(crate) const CODE_ACCOUNT_NOT_FOUND: i64 = 2001;
/// Zoom's code for an API that needs a paid plan.
pub(crate) const CODE_PAID_ONLY: i64 = 200;

/// An error answer in Zoom's shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZoomError {
    /// HTTP status.
    pub status: StatusCode,
    /// Zoom's numeric error code.
    pub code: i64,
    /// Human-readable message.
    pub message: String,
    /// Optional per-field details (`errors: [{field, message}]`).
    pub field: Option<(String, String)>,
}

impl ZoomError {
    /// An error with no field details.
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        ZoomError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// 400 code 300 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, CODE_INVALID_REQUEST, message)
    }

    /// 400 code 300 "Invalid field." naming the offending field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        ZoomError {
            field: Some((field.to_owned(), message.into())),
            ..Self::bad_request("Invalid field.")
        }
    }

    /// 401 code 124 for an unknown or revoked token (or none at all).
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            CODE_INVALID_TOKEN,
            "Invalid access token.",
        )
    }

    /// 401 code 124 for a token past its lifetime.
    pub fn expired_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            CODE_INVALID_TOKEN,
            "Access token is expired.",
        )
    }

    /// 404 code 1001 for an unknown user id or email.
    pub fn user_not_found(user: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            CODE_USER_NOT_FOUND,
            format!("User does not exist: {}.", echo(user)),
        )
    }

    /// 404 code 300 for a path the API does not have.
    pub fn unknown_path(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            CODE_INVALID_REQUEST,
            format!("Invalid API path: {}.", echo(path)),
        )
    }

    /// 405 for a known path called with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            CODE_INVALID_REQUEST,
            "Method not allowed.",
        )
    }

    /// 400 code 200 for a paid-only API called on a free account.
    pub fn paid_only() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            CODE_PAID_ONLY,
            "Only available for paid account.",
        )
    }

    /// An injected failure: `status` with the status's reason as the message.
    pub fn injected(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("Injected failure");
        Self::new(status, i64::from(status.as_u16()), format!("{reason}."))
    }
}

impl IntoResponse for ZoomError {
    fn into_response(self) -> Response {
        let body = match &self.field {
            Some((field, message)) => json!({
                "code": self.code,
                "message": self.message,
                "errors": [{"field": field, "message": message}],
            }),
            None => json!({"code": self.code, "message": self.message}),
        };
        (self.status, axum::Json(body)).into_response()
    }
}
