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
        StoreError::AlreadyExists { .. }
        | StoreError::PluginInUse { .. }
        | StoreError::Changed { .. } => StatusCode::CONFLICT,
        StoreError::Busy { .. } | StoreError::CannotConnect { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
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
            DaemonError::NotRunHere { .. } => StatusCode::CONFLICT,
            DaemonError::Registry(RegistryError::NotAdded(_) | RegistryError::NoPending(_)) => {
                StatusCode::NOT_FOUND
            }
            DaemonError::Registry(
                RegistryError::NothingToRollBack { .. }
                | RegistryError::VersionExists { .. }
                | RegistryError::PendingVersion { .. }
                | RegistryError::PendingStale(_)
                | RegistryError::NotAnUpgrade { .. },
            ) => StatusCode::CONFLICT,
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
    /// A host fault answers a generic message with an id and logs the
    /// detail under that id: internal paths and causes stay in the daemon's
    /// log, and the operator can still find them.
    fn into_response(self) -> Response {
        let message = if self.blame == Blame::Host {
            let id = hex::encode(rand::random::<[u8; 6]>());
            tracing::error!(error_id = %id, status = self.status.as_u16(), error = %self.message, "API request failed in the host");
            format!("internal error {id}: the daemon's log has the details under error_id={id}")
        } else {
            self.message
        };
        let body = serde_json::json!({
            "error": { "blame": self.blame, "message": message, "status": self.status.as_u16() }
        });
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(e: ApiError) -> (StatusCode, serde_json::Value) {
        let resp = e.into_response();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn host_faults_answer_an_id_not_their_detail_and_others_say_what_to_fix() {
        let (status, body) = body_of(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Blame::Host,
            "/var/lib/plugboard/plugboard.db: disk I/O error",
        ))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("internal error "), "{message}");
        assert!(
            !message.contains("disk I/O") && !message.contains("/var/lib"),
            "{message}"
        );
        assert_eq!(body["error"]["blame"], "host");

        let (status, body) = body_of(ApiError::bad_request("`limit` must be a number")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["message"], "`limit` must be a number");
    }
}
