//! [`Reply`]: what a successful handler answers, in either simulator.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// 200 with a JSON body.
    Json(Value),
    /// 204 No Content.
    NoContent,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(body) => axum::Json(body).into_response(),
            Reply::NoContent => StatusCode::NO_CONTENT.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_answer_200_json_or_204() {
        let json = Reply::Json(serde_json::json!({"a": 1})).into_response();
        assert_eq!(json.status(), StatusCode::OK);
        assert_eq!(
            json.headers().get(axum::http::header::CONTENT_TYPE),
            Some(&axum::http::HeaderValue::from_static("application/json"))
        );
        assert_eq!(
            Reply::NoContent.into_response().status(),
            StatusCode::NO_CONTENT
        );
    }
}
