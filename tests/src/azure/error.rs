//! Azure-shaped error answers for the two APIs.
//!
//! ARM: `{"error":{"code","message"}}`. Graph: the same plus
//! `innerError{date,request-id,client-request-id}`. Every failure the simulator sends
//! from ARM or Graph goes through [`ApiError`], so no input can produce a body an Azure
//! client would not recognise.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;

use super::dataset::{iso_seconds, random_guid};

pub(crate) use crate::common::echo::echo;

/// Which API answers (decides the error body and the request-id headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// Azure Resource Manager.
    Arm,
    /// Microsoft Graph.
    Graph,
}

/// An error answer in the shape of `api`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    /// Which API's shape.
    pub api: Api,
    /// HTTP status.
    pub status: StatusCode,
    /// The `error.code` string.
    pub code: String,
    /// The `error.message` string.
    pub message: String,
    /// A `Retry-After` header value, for 429s.
    pub retry_after: Option<String>,
    /// Extra headers (e.g. `WWW-Authenticate`, rate-limit remainders).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error with no extra headers.
    pub fn new(api: Api, status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            api,
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
            headers: Vec::new(),
        }
    }

    /// 400 with `code`.
    pub fn bad_request(api: Api, code: &str, message: impl Into<String>) -> Self {
        Self::new(api, StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 with `code`.
    pub fn not_found(api: Api, code: &str, message: impl Into<String>) -> Self {
        Self::new(api, StatusCode::NOT_FOUND, code, message)
    }

    /// 401 with a `WWW-Authenticate: Bearer` challenge.
    pub fn unauthorized(api: Api, code: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(api, StatusCode::UNAUTHORIZED, code, message);
        error.headers.push((
            "www-authenticate",
            format!("Bearer error=\"invalid_token\", error_description=\"{code}\""),
        ));
        error
    }

    /// 429 with `Retry-After: retry_after`.
    pub fn throttled(api: Api, code: &str, message: &str, retry_after: String) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(api, StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    /// An injected failure: `status` with its reason as the message.
    pub fn injected(api: Api, status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("Injected failure");
        let code = match (api, status.as_u16()) {
            (_, 500) => "InternalServerError",
            (_, 503) => "ServiceUnavailable",
            (_, 502) => "BadGateway",
            (_, 504) => "GatewayTimeout",
            (Api::Arm, _) => "InjectedFailure",
            (Api::Graph, _) => "generalException",
        };
        Self::new(api, status, code, format!("{reason}."))
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// The request-id headers every answer of `api` carries.
pub(crate) fn request_id_headers(api: Api, request_id: &str) -> [(&'static str, String); 2] {
    match api {
        Api::Arm => [
            ("x-ms-request-id", request_id.to_owned()),
            ("x-ms-correlation-request-id", request_id.to_owned()),
        ],
        Api::Graph => [
            ("request-id", request_id.to_owned()),
            ("client-request-id", request_id.to_owned()),
        ],
    }
}

/// Inserts `(name, value)` pairs into a response, skipping values that are not valid.
pub(crate) fn insert_headers<'a>(
    response: &mut Response,
    headers: impl IntoIterator<Item = &'a (&'static str, String)>,
) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = random_guid();
        let body = match self.api {
            Api::Arm => json!({"error": {"code": self.code, "message": self.message}}),
            Api::Graph => json!({"error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": iso_seconds(OffsetDateTime::now_utc()),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }}),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        insert_headers(&mut response, &request_id_headers(self.api, &request_id));
        insert_headers(&mut response, &self.headers);
        if let Some(retry) = self
            .retry_after
            .and_then(|r| HeaderValue::from_str(&r).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, retry);
        }
        response
    }
}
