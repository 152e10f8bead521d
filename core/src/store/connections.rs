//! Consent-flow connections per instance and auth profile: the interface.
//!
//! An instance of an authorization-code profile is "connected" once an admin
//! consented and the host holds a refresh token; the token is sealed like a
//! secret (bound to the instance and `auth:PROFILE:refresh_token`) and the
//! backends only ever see ciphertext. A refresh token the authorization
//! server refused (`invalid_grant`: revoked, expired, superseded) leaves the
//! instance "reconnect needed", with the token dropped.

use super::StoreError;
use crate::secrets::{self, MasterKey, Sealed, SecretValue};

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionStatus {
    /// Consented; the host holds a refresh token (or, for admin consent,
    /// needs none).
    Connected,
    /// The refresh token was refused: an operator must connect again.
    ReconnectNeeded,
}

impl ConnectionStatus {
    /// `connected` or `reconnect-needed`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::ReconnectNeeded => "reconnect-needed",
        }
    }

    /// The status stored as `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "connected" => Some(ConnectionStatus::Connected),
            "reconnect-needed" => Some(ConnectionStatus::ReconnectNeeded),
            _ => None,
        }
    }
}

/// One connection, without any token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionRow {
    /// The auth profile.
    pub profile: String,
    /// Where it stands.
    pub status: ConnectionStatus,
    /// Why a reconnect is needed (the authorization server's answer).
    pub detail: Option<String>,
    /// When it last changed, RFC 3339.
    pub updated_at: String,
}

/// A connection with its sealed refresh token, if any.
pub type SealedConnection = (ConnectionRow, Option<Vec<u8>>);

/// A connection row as both backends select it ([`CONNECTION_COLUMNS`]):
/// profile, status, detail, updated_at, sealed.
pub(crate) type RawConnection = (String, String, Option<String>, String, Option<Vec<u8>>);

/// The columns of [`RawConnection`], in its order.
pub(crate) const CONNECTION_COLUMNS: &str = "profile, status, detail, updated_at, sealed";

/// A selected row as a connection; an unknown status is a corrupt store
/// (`label` names it).
pub(crate) fn decode_connection(
    label: &str,
    raw: RawConnection,
) -> Result<SealedConnection, StoreError> {
    let (profile, status, detail, updated_at, sealed) = raw;
    let status = ConnectionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        path: label.to_string(),
        what: "connection status",
        reason: format!("{status:?} is not a known status"),
    })?;
    Ok((
        ConnectionRow {
            profile,
            status,
            detail,
            updated_at,
        },
        sealed,
    ))
}

/// The name a refresh token is sealed under (the AAD's name part): no
/// manifest secret can have it (secret names have no `:`).
pub fn refresh_token_name(profile: &str) -> String {
    format!("auth:{profile}:refresh_token")
}

/// Consent-flow connections.
pub trait ConnectionStore {
    /// Mark `profile` of `instance` connected with `sealed` (a sealed refresh
    /// token, or `None`), replacing any earlier token in one statement: a
    /// rotated token is stored whole or not at all. `NotFound` for an
    /// unknown instance.
    fn put_connection_sealed(
        &self,
        instance: &str,
        profile: &str,
        sealed: Option<&[u8]>,
    ) -> Result<(), StoreError>;

    /// The connection of `profile` and its sealed refresh token.
    fn connection_sealed(
        &self,
        instance: &str,
        profile: &str,
    ) -> Result<Option<SealedConnection>, StoreError>;

    /// Every connection of `instance`, by profile.
    fn connections(&self, instance: &str) -> Result<Vec<ConnectionRow>, StoreError>;

    /// The refresh token was refused: mark the connection "reconnect needed"
    /// with `detail` and drop the token. `NotFound` for an unknown instance.
    fn mark_reconnect_needed(
        &self,
        instance: &str,
        profile: &str,
        detail: &str,
    ) -> Result<(), StoreError>;

    /// Seal `token` with `key` and store it as the connection's refresh token.
    fn put_refresh_token(
        &self,
        key: &MasterKey,
        instance: &str,
        profile: &str,
        token: &SecretValue,
    ) -> Result<(), StoreError> {
        let sealed = secrets::seal(key, instance, &refresh_token_name(profile), token)?;
        self.put_connection_sealed(instance, profile, Some(&sealed.to_bytes()))
    }

    /// The connection of `profile` with its refresh token opened with `key`.
    fn connection(
        &self,
        key: &MasterKey,
        instance: &str,
        profile: &str,
    ) -> Result<Option<(ConnectionRow, Option<SecretValue>)>, StoreError> {
        let Some((row, sealed)) = self.connection_sealed(instance, profile)? else {
            return Ok(None);
        };
        let name = refresh_token_name(profile);
        let token = match sealed {
            None => None,
            Some(bytes) => {
                let sealed = Sealed::from_bytes(&bytes, instance, &name)?;
                Some(secrets::open(key, instance, &name, &sealed)?)
            }
        };
        Ok(Some((row, token)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::stores_with_instance;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_refresh_token_is_stored_sealed_replaced_whole_and_dropped_on_reconnect_needed()
    -> TestResult {
        let key = MasterKey::generate()?;
        for (backend, store) in stores_with_instance("connections_roundtrip")? {
            println!("backend: {backend}");
            assert!(store.connection(&key, "i", "zoom")?.is_none());
            store.put_refresh_token(&key, "i", "zoom", &SecretValue::new("rt-first".into()))?;
            store.put_refresh_token(&key, "i", "zoom", &SecretValue::new("rt-second".into()))?;
            let Some((row, Some(token))) = store.connection(&key, "i", "zoom")? else {
                panic!("{backend}: a stored connection with its token");
            };
            assert_eq!(row.status, ConnectionStatus::Connected);
            assert_eq!(token.expose(), "rt-second");
            let Some((_, Some(sealed))) = store.connection_sealed("i", "zoom")? else {
                panic!("{backend}: sealed bytes");
            };
            assert!(
                !sealed.windows(9).any(|w| w == b"rt-second"),
                "{backend}: the backend holds ciphertext only"
            );
            store.mark_reconnect_needed("i", "zoom", "invalid_grant: revoked")?;
            let Some((row, token)) = store.connection(&key, "i", "zoom")? else {
                panic!("{backend}: the connection stays, marked");
            };
            assert_eq!(row.status, ConnectionStatus::ReconnectNeeded);
            assert_eq!(row.detail.as_deref(), Some("invalid_grant: revoked"));
            assert!(token.is_none(), "{backend}: the dead token is dropped");
            assert_eq!(store.connections("i")?, vec![row]);
            assert!(matches!(
                store.put_refresh_token(&key, "nope", "zoom", &SecretValue::new("x".into())),
                Err(StoreError::NotFound { .. })
            ));
        }
        Ok(())
    }

    #[test]
    fn a_master_key_rotation_reseals_refresh_tokens() -> TestResult {
        let (old, new) = (MasterKey::generate()?, MasterKey::generate()?);
        for (backend, store) in stores_with_instance("connections_rotation")? {
            println!("backend: {backend}");
            store.put_refresh_token(&old, "i", "zoom", &SecretValue::new("rt-kept".into()))?;
            assert_eq!(store.rotate_master_key(&old, &new)?, 1, "{backend}");
            assert!(store.connection(&old, "i", "zoom").is_err(), "{backend}");
            let Some((_, Some(token))) = store.connection(&new, "i", "zoom")? else {
                panic!("{backend}: the token opens with the new key");
            };
            assert_eq!(token.expose(), "rt-kept");
        }
        Ok(())
    }
}
