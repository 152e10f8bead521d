//! Connecting an instance through a consent flow ("Connect Zoom"): the
//! authorize URL for a redirect URI the caller listens on, then the callback
//! judged (state, error, code), the code exchanged with its PKCE verifier, and
//! the refresh token sealed into the store. The CLI waits for the callback
//! on a loopback listener, the daemon on its own listener; both use this.

use std::sync::Arc;

use plugboard_core::secrets::MasterKey;
use plugboard_core::store::Store;

use super::InstanceError;
use crate::capabilities::auth::AuthError;
use crate::capabilities::auth::consent::{self, Callback, ConsentRequest};
use crate::manifest::AuthKind;
use crate::runtime::InstanceContext;

/// A consent in progress for one instance and profile.
pub struct Pending {
    /// The instance.
    pub instance: String,
    /// The consent-flow profile.
    pub profile: String,
    request: ConsentRequest,
    ctx: Arc<InstanceContext>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("instance", &self.instance)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// The URL the admin opens.
    pub fn authorize_url(&self) -> &str {
        self.request.authorize_url.as_str()
    }

    /// The `state` the callback must carry.
    pub fn state(&self) -> &str {
        self.request.state()
    }
}

/// The consent-flow profiles of an instance's (effective) manifest.
pub fn consent_profiles(ctx: &InstanceContext) -> Vec<String> {
    ctx.http
        .sections()
        .auth
        .iter()
        .filter(|p| matches!(p.kind, AuthKind::AuthorizationCode(_)))
        .map(|p| p.name.clone())
        .collect()
}

/// Start connecting `ctx`'s instance: the profile (`wanted`, or its only
/// consent-flow profile) and its authorize URL for `redirect_uri`.
pub fn begin(
    ctx: Arc<InstanceContext>,
    wanted: Option<&str>,
    redirect_uri: &str,
) -> Result<Pending, InstanceError> {
    let instance = ctx.instance_id.clone();
    let profiles = consent_profiles(&ctx);
    let profile = match wanted {
        Some(w) if profiles.iter().any(|p| p == w) => w.to_string(),
        Some(w) => {
            return Err(InstanceError::NoConsentProfile {
                instance,
                detail: format!(
                    "it has no consent-flow auth profile `{w}` (it has: {})",
                    list(&profiles)
                ),
            });
        }
        None => match profiles.as_slice() {
            [only] => only.clone(),
            [] => {
                return Err(InstanceError::NoConsentProfile {
                    instance,
                    detail: "its settings select no consent-flow auth profile; its credentials are its secrets".into(),
                });
            }
            many => {
                return Err(InstanceError::NoConsentProfile {
                    instance,
                    detail: format!("name the profile with --profile: {}", list(many)),
                });
            }
        },
    };
    let manifest = ctx.http.sections();
    let Some(AuthKind::AuthorizationCode(code)) = manifest
        .auth
        .iter()
        .find(|p| p.name == profile)
        .map(|p| &p.kind)
    else {
        return Err(InstanceError::NoConsentProfile {
            instance,
            detail: format!("profile `{profile}` is not a consent flow"),
        });
    };
    let request = consent::begin(
        &profile,
        code,
        &ctx.config,
        &ctx.secrets,
        ctx.http.upstreams(),
        redirect_uri,
    )?;
    Ok(Pending {
        instance,
        profile,
        request,
        ctx: ctx.clone(),
    })
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Finish connecting with the callback's `query`: the state checked, the
/// code exchanged (with the PKCE verifier and redirect URI of `pending`),
/// and the refresh token sealed into `store`. An earlier "reconnect
/// needed" is cleared.
pub async fn finish(
    pending: Pending,
    query: &str,
    store: &Store,
    key: &MasterKey,
) -> Result<(), InstanceError> {
    let Pending {
        instance,
        profile,
        request,
        ctx,
    } = pending;
    let Callback::Code(code) = consent::callback(&profile, &request, query)?;
    let endpoint =
        ctx.http
            .consent_endpoint(&profile)
            .ok_or_else(|| InstanceError::NoConsentProfile {
                instance: instance.clone(),
                detail: format!("profile `{profile}` is not a consent flow"),
            })?;
    let grant = consent::exchange(&endpoint, request, &code).await?;
    let Some(refresh) = grant.refresh else {
        return Err(InstanceError::Auth(AuthError::ConsentRefused {
            profile,
            detail: "the token endpoint sent no refresh token; the app must be allowed offline access (a refresh token)".into(),
        }));
    };
    store.put_refresh_token(key, &instance, &profile, &refresh)?;
    tracing::info!(instance = %instance, profile = %profile, "connected");
    Ok(())
}

/// Where one consent-flow profile of an instance stands, as `instance
/// list/show` and the API show it (never a token).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionState {
    /// The auth profile.
    pub profile: String,
    /// `not-connected`, `connected` or `reconnect-needed`.
    pub status: &'static str,
    /// Why a reconnect is needed, and what to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The consent-flow connections of instance `row` under `manifest` (the
/// profiles its settings select), each with its state.
pub fn connection_states(
    store: &Store,
    manifest: &crate::manifest::Manifest,
    row: &plugboard_core::store::InstanceRow,
) -> Result<Vec<ConnectionState>, InstanceError> {
    let given: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&row.config_json).unwrap_or_default();
    let Ok(config) = super::resolve_config(manifest, &given) else {
        return Ok(Vec::new());
    };
    let Ok(effective) = manifest.for_instance(&config) else {
        return Ok(Vec::new());
    };
    let stored = store.connections(&row.id)?;
    let mut out = Vec::new();
    for p in &effective.auth {
        if !matches!(p.kind, AuthKind::AuthorizationCode(_)) {
            continue;
        }
        let found = stored.iter().find(|c| c.profile == p.name);
        let (status, detail) = match found.map(|c| c.status) {
            None => (
                "not-connected",
                Some(format!("run `plugboard instance connect {}`", row.id)),
            ),
            Some(plugboard_core::store::ConnectionStatus::Connected) => ("connected", None),
            Some(plugboard_core::store::ConnectionStatus::ReconnectNeeded) => (
                "reconnect-needed",
                Some(format!(
                    "the authorization server refused the refresh token ({}); run `plugboard instance connect {}`",
                    found.and_then(|c| c.detail.clone()).unwrap_or_default(),
                    row.id
                )),
            ),
        };
        out.push(ConnectionState {
            profile: p.name.clone(),
            status,
            detail,
        });
    }
    Ok(out)
}
