//! `GET /accounts/{accountId}/settings?option=`.

use axum::http::StatusCode;
use serde_json::json;

use super::call::{Call, Reply};
use crate::zoom::error::{CODE_ACCOUNT_NOT_FOUND, ZoomError, echo};
use crate::zoom::posture;

/// Answers with the object `option` names: `security` → `{"security": {...}}`,
/// `meeting_security` → `{"meeting_security": {...}}`, none → the general settings.
/// `accountId` is `me` or the account's id.
pub(crate) fn get(call: Call<'_>, account_id: &str) -> Result<Reply, ZoomError> {
    let state = call.state;
    if account_id != "me" && account_id != state.credentials.account_id {
        return Err(ZoomError::new(
            StatusCode::NOT_FOUND,
            CODE_ACCOUNT_NOT_FOUND,
            format!("Account does not exist: {}.", echo(account_id)),
        ));
    }
    let body = match call.query.non_empty("option") {
        None => posture::full_settings(&state.settings.security),
        Some("security") => json!({"security": state.settings.security}),
        Some("meeting_security") => json!({"meeting_security": state.settings.meeting_security}),
        Some(option @ ("meeting_authentication" | "recording_authentication")) => {
            posture::authentication_settings(option)
        }
        Some(_) => {
            return Err(ZoomError::invalid_field(
                "option",
                "must be one of meeting_authentication, recording_authentication, security, \
                 meeting_security",
            ));
        }
    };
    Ok(Reply::Json(body))
}
