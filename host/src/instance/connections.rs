//! The broker's consent-flow connections of one stored instance, kept in the
//! store: refresh tokens sealed with the master key (like the instance's
//! secrets), and whether a reconnect is needed.

use std::sync::Arc;

use plugboard_core::secrets::{MasterKey, SecretValue};
use plugboard_core::store::{ConnectionStatus, Store};

use crate::capabilities::auth::{Connections, Stored};

/// Instance `instance`'s connections in `store`.
pub struct StoreConnections {
    store: Arc<Store>,
    key: MasterKey,
    instance: String,
}

impl StoreConnections {
    /// The connections of `instance`.
    pub fn new(store: Arc<Store>, key: MasterKey, instance: &str) -> Self {
        StoreConnections {
            store,
            key,
            instance: instance.to_string(),
        }
    }
}

impl Connections for StoreConnections {
    fn instance(&self) -> &str {
        &self.instance
    }

    fn load(&self, profile: &str) -> Result<Stored, String> {
        let found = self
            .store
            .connection(&self.key, &self.instance, profile)
            .map_err(|e| e.to_string())?;
        Ok(match found {
            None => Stored::NotConnected,
            Some((row, _)) if row.status == ConnectionStatus::ReconnectNeeded => {
                Stored::ReconnectNeeded(row.detail.unwrap_or_default())
            }
            Some((_, Some(token))) => Stored::Token(token),
            Some((_, None)) => Stored::NotConnected,
        })
    }

    fn rotate(&self, profile: &str, token: &SecretValue) -> Result<(), String> {
        self.store
            .put_refresh_token(&self.key, &self.instance, profile, token)
            .map_err(|e| e.to_string())
    }

    fn refused(&self, profile: &str, detail: &str) -> Result<(), String> {
        self.store
            .mark_reconnect_needed(&self.instance, profile, detail)
            .map_err(|e| e.to_string())
    }
}
