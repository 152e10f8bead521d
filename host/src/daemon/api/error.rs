//! API errors: a status code and `{"error": {"blame", "message"}}`, where
//! blame says who must act (operator, upstream, plugin, host).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use plugboard_core::Blame;
use plugboard_core::store::StoreError;

use crate::daemon::DaemonError;
use crate::instance::InstanceError;
use crate::registry::RegistryError;

/// An API error response.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Who must act.
    pub blame: Blame,
    /// What happened and what to do.
    pub message: String,
}

impl ApiError {
    /// An error with an explicit status.
    pub fn new(status: StatusCode, blame: Blame, message: impl Into<String>) -> Self {
        ApiError {
            status,
            blame,
            message: message.into(),
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Blame::Operator, message)
    }

    /// 401: no or a bad bearer token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            Blame::Operator,
            "missing or invalid bearer token: send `Authorization: Bearer <token>` with a token from `plugboard token create`",
        )
    }

    /// 404 for an unknown route.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            Blame::Operator,
            format!("no API route {path}; see GET /openapi.json"),
        )
    }
}

fn store_status(e: &StoreError) -> StatusCode {
    match e {
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::AlreadyExists { .. } | StoreError::PluginInUse { .. } => StatusCode::CONFLICT,
        StoreError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn by_blame(blame: Blame) -> StatusCode {
    match blame {
        Blame::Operator | Blame::Plugin => StatusCode::UNPROCESSABLE_ENTITY,
        Blame::Upstream => StatusCode::BAD_GATEWAY,
        Blame::Host => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<DaemonError> for ApiError {
    fn from(e: DaemonError) -> Self {
        let blame = e.blame();
        let status = match &e {
            DaemonError::NoInstance(_) => StatusCode::NOT_FOUND,
            DaemonError::Store(s)
            | DaemonError::Instance(InstanceError::Store(s))
            | DaemonError::Registry(RegistryError::Store(s)) => store_status(s),
            DaemonError::Instance(InstanceError::SharedCredentials { .. }) => StatusCode::CONFLICT,
            DaemonError::Instance(InstanceError::Disabled(_)) => StatusCode::CONFLICT,
            DaemonError::Registry(RegistryError::NotAdded(_)) => StatusCode::NOT_FOUND,
            DaemonError::Registry(RegistryError::NothingToRollBack { .. }) => StatusCode::CONFLICT,
            // The app refused the credentials or consent: the request cannot
            // be carried out as given, whoever must fix it.
            DaemonError::Check { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => by_blame(blame),
        };
        ApiError::new(status, blame, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(store_status(&e), e.blame(), e.to_string())
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        DaemonError::Registry(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "blame": self.blame, "message": self.message, "status": self.status.as_u16() }
        });
        (self.status, Json(body)).into_response()
    }
}
