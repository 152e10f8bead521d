//! Turning a stored instance into a running context: config checked against
//! the manifest (defaults applied, unknown keys refused), secrets decrypted,
//! capabilities built.

pub mod connect;
mod connections;
mod identity;

pub use connections::StoreConnections;

use std::collections::BTreeMap;
use std::sync::Arc;

use plugboard_core::Blame;
use plugboard_core::model::AccountInfo;
use plugboard_core::secrets::{MasterKey, SecretValue};
use plugboard_core::store::{InstanceRow, Store, StoreError};

use crate::capabilities::auth::AuthError;
use crate::capabilities::config::{self, SettingsError};
use crate::capabilities::network::{UpstreamError, Upstreams};
use crate::capabilities::secrets::SecretBag;
use crate::manifest::Manifest;
pub use crate::runtime::HostOptions;
use crate::runtime::{ContextError, InstanceContext, InstanceInputs};

/// An instance cannot be started as configured.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// No instance with this id.
    #[error("no instance `{0}`; list them with `plugboard instance list`")]
    NotFound(String),
    /// The instance name is not usable.
    #[error("instance name {0:?} must be 1-64 letters, digits, `-` or `_`")]
    BadName(String),
    /// The settings do not fit the plugin.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A required secret is missing.
    #[error("instance is missing required {kind} `{name}`: {description}")]
    Missing {
        /// `secret`.
        kind: &'static str,
        /// Field name.
        name: String,
        /// What it is.
        description: String,
    },
    /// The instance's running context could not be built.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// A secret name the manifest does not declare.
    #[error("secret `{0}` is not declared by the plugin")]
    UnknownSecret(String),
    /// Stored JSON is corrupt.
    #[error("stored settings of instance `{0}` are corrupt: {1}")]
    Corrupt(String, String),
    /// A bad upstream route.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The instance is disabled.
    #[error("instance `{0}` is disabled; enable it first")]
    Disabled(String),
    /// Another instance already uses these exclusive credentials.
    #[error(
        "instance `{other}` already uses these credentials (auth profile `{profile}`): the app revokes a client's earlier token whenever a new one is minted, so two instances would keep revoking each other's tokens; use a separate app/client for this instance, or remove `{other}` first"
    )]
    SharedCredentials {
        /// The instance holding them.
        other: String,
        /// The exclusive auth profile.
        profile: String,
    },
    /// A private key an auth profile signs with is not one.
    #[error(transparent)]
    Key(AuthError),
    /// The store failed (including secret decryption).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A consent flow failed (state, consent, code exchange).
    #[error(transparent)]
    Auth(#[from] crate::capabilities::auth::AuthError),
    /// A consent callback listener on an address other than loopback.
    #[error(
        "--listen {0} is not a loopback address: the callback carries an authorization code and must not leave this machine; use 127.0.0.1:PORT"
    )]
    NotLoopback(String),
    /// `instance connect` of an instance without a consent-flow profile.
    #[error("instance `{instance}` cannot be connected: {detail}")]
    NoConsentProfile {
        /// The instance.
        instance: String,
        /// Why.
        detail: String,
    },
}

impl InstanceError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            InstanceError::Store(e) => e.blame(),
            InstanceError::Context(e) => e.blame(),
            InstanceError::Settings(e) => e.blame(),
            InstanceError::Key(e) => e.blame(),
            InstanceError::Auth(e) => e.blame(),
            InstanceError::Corrupt(..) => Blame::Host,
            _ => Blame::Operator,
        }
    }
}

/// Refuse a private key an auth profile signs with that is not one, naming
/// its secret and profile (never the value).
fn check_keys(
    manifest: &Manifest,
    config: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, SecretValue>,
) -> Result<(), InstanceError> {
    let bag = SecretBag::new(secrets.clone(), false);
    crate::capabilities::auth::check_keys(&manifest.auth, config, &bag).map_err(InstanceError::Key)
}

/// The settings an instance runs with (see [`config::resolve`]).
pub fn resolve_config(
    manifest: &Manifest,
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, InstanceError> {
    Ok(config::resolve(&manifest.config, given)?)
}

/// Check secret names against the manifest (values are not inspected).
pub fn check_secret_names<'a>(
    manifest: &Manifest,
    names: impl IntoIterator<Item = &'a str>,
    require_all: bool,
) -> Result<(), InstanceError> {
    let names: Vec<&str> = names.into_iter().collect();
    if let Some(n) = names.iter().find(|n| manifest.secret_field(n).is_none()) {
        return Err(InstanceError::UnknownSecret((*n).to_string()));
    }
    if require_all
        && let Some(f) = manifest
            .secrets
            .iter()
            .find(|f| f.required && !names.contains(&f.name.as_str()))
    {
        return Err(InstanceError::Missing {
            kind: "secret",
            name: f.name.clone(),
            description: f.description.clone(),
        });
    }
    Ok(())
}

/// Build the running context of a stored instance; its broker keeps
/// consent-flow refresh tokens in `store`.
pub fn build_context(
    manifest: Arc<Manifest>,
    row: &InstanceRow,
    store: &Arc<Store>,
    key: &MasterKey,
    reveal_secrets: bool,
    options: &HostOptions,
) -> Result<Arc<InstanceContext>, InstanceError> {
    let mut values: BTreeMap<String, SecretValue> = BTreeMap::new();
    for f in &manifest.secrets {
        match store.secret(key, &row.id, &f.name)? {
            Some(v) => {
                values.insert(f.name.clone(), v);
            }
            None if f.required => {
                return Err(InstanceError::Missing {
                    kind: "secret",
                    name: f.name.clone(),
                    description: format!(
                        "{} (set it with `plugboard instance add --secret {}=...`)",
                        f.description, f.name
                    ),
                });
            }
            None => {}
        }
    }
    let ctx = context_with_secrets(manifest, row, values, reveal_secrets, options)?;
    ctx.http
        .broker()
        .connect_with(Arc::new(StoreConnections::new(
            store.clone(),
            key.clone(),
            &row.id,
        )));
    Ok(ctx)
}

/// Build the running context of `row` with the secrets `values` (of a
/// stored instance, or of one not stored yet whose credentials are checked
/// before it is added).
pub fn context_with_secrets(
    manifest: Arc<Manifest>,
    row: &InstanceRow,
    values: BTreeMap<String, SecretValue>,
    reveal_secrets: bool,
    options: &HostOptions,
) -> Result<Arc<InstanceContext>, InstanceError> {
    let given: BTreeMap<String, String> = serde_json::from_str(&row.config_json)
        .map_err(|e| InstanceError::Corrupt(row.id.clone(), e.to_string()))?;
    let routes: BTreeMap<String, String> = serde_json::from_str(&row.upstreams_json)
        .map_err(|e| InstanceError::Corrupt(row.id.clone(), e.to_string()))?;
    Ok(InstanceContext::build(
        &manifest,
        InstanceInputs {
            instance_id: &row.id,
            config: &given,
            secrets: values,
            reveal_secrets,
            routes: &routes,
        },
        options,
    )?)
}

/// What an operator gives to create an instance.
#[derive(Debug, Default)]
pub struct NewInstance {
    /// Instance name (letters, digits, `-`, `_`).
    pub id: String,
    /// Plugin id.
    pub plugin: String,
    /// Settings.
    pub config: BTreeMap<String, String>,
    /// Secrets (sealed before they are stored).
    pub secrets: BTreeMap<String, SecretValue>,
    /// Origin → base URL routes.
    pub upstreams: BTreeMap<String, String>,
}

/// Why a name cannot be an instance id: letters, digits, `-` and `_`, at
/// most 64 characters.
pub fn check_instance_name(n: &str) -> Result<(), InstanceError> {
    if !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(InstanceError::BadName(n.to_string()))
    }
}

/// Validate `new` against its plugin's manifest (name, settings, routes,
/// secret names, credentials no other instance uses) and return the row it
/// would be stored as. Nothing is stored.
pub fn validate_new(
    store: &Store,
    key: &MasterKey,
    manifest: &Manifest,
    new: &NewInstance,
) -> Result<InstanceRow, InstanceError> {
    check_instance_name(&new.id)?;
    let config = resolve_config(manifest, &new.config)?;
    Upstreams::parse(&new.upstreams)?;
    check_secret_names(manifest, new.secrets.keys().map(String::as_str), true)?;
    check_keys(manifest, &config, &new.secrets)?;
    identity::check_unique_credentials(store, key, manifest, &new.id, &new.config, &new.secrets)?;
    let json = |v: &BTreeMap<String, String>| {
        serde_json::to_string(v).map_err(|e| InstanceError::Corrupt(new.id.clone(), e.to_string()))
    };
    Ok(InstanceRow {
        id: new.id.clone(),
        plugin_id: new.plugin.clone(),
        config_json: json(&new.config)?,
        upstreams_json: json(&new.upstreams)?,
        enabled: true,
        created_at: String::new(),
        updated_at: String::new(),
    })
}

/// Store `row` (from [`validate_new`]) with the sealed secrets of `new`, in
/// one transaction: no node of a cluster can claim the instance, nor any
/// reader see it, before its secrets are there too.
pub fn store_new(
    store: &Store,
    key: &MasterKey,
    row: &InstanceRow,
    new: &NewInstance,
) -> Result<(), InstanceError> {
    let secrets: Vec<(&str, &SecretValue)> =
        new.secrets.iter().map(|(k, v)| (k.as_str(), v)).collect();
    store.add_instance_with_secrets(key, row, &secrets)?;
    Ok(())
}

/// Validate `new` against its plugin's manifest and store it with sealed
/// secrets, in one transaction.
pub fn create_instance(
    store: &Store,
    key: &MasterKey,
    manifest: &Manifest,
    new: &NewInstance,
) -> Result<(), InstanceError> {
    let row = validate_new(store, key, manifest, new)?;
    store_new(store, key, &row, new)
}

/// Changes to an existing instance: settings merged key by key, secrets set
/// by name, upstream routes replaced when given.
#[derive(Debug, Default)]
pub struct InstanceUpdate {
    /// Settings to set (others keep their values).
    pub config: BTreeMap<String, String>,
    /// Secrets to set (others keep their values), sealed before storing.
    pub secrets: BTreeMap<String, SecretValue>,
    /// The new upstream routes, replacing the old ones; `None` keeps them.
    pub upstreams: Option<BTreeMap<String, String>>,
}

/// Validate `update` against the plugin's manifest and apply it in one
/// transaction (credential rotation, plan change, re-routing) without
/// touching the instance's records or checkpoints. A running daemon uses the
/// new settings from the instance's next phase.
pub fn update_instance(
    store: &Store,
    key: &MasterKey,
    manifest: &Manifest,
    id: &str,
    update: &InstanceUpdate,
) -> Result<(), InstanceError> {
    let row = store
        .instance(id)?
        .ok_or_else(|| InstanceError::NotFound(id.to_string()))?;
    let corrupt = |e: serde_json::Error| InstanceError::Corrupt(id.to_string(), e.to_string());
    let mut config: BTreeMap<String, String> =
        serde_json::from_str(&row.config_json).map_err(corrupt)?;
    config.extend(update.config.clone());
    resolve_config(manifest, &config)?;
    let upstreams = match &update.upstreams {
        Some(u) => u.clone(),
        None => serde_json::from_str(&row.upstreams_json).map_err(corrupt)?,
    };
    Upstreams::parse(&upstreams)?;
    check_secret_names(manifest, update.secrets.keys().map(String::as_str), false)?;
    let mut secrets = BTreeMap::new();
    for f in &manifest.secrets {
        let value = match update.secrets.get(&f.name) {
            Some(v) => Some(v.clone()),
            None => store.secret(key, id, &f.name)?,
        };
        if let Some(v) = value {
            secrets.insert(f.name.clone(), v);
        }
    }
    check_keys(manifest, &resolve_config(manifest, &config)?, &secrets)?;
    identity::check_unique_credentials(store, key, manifest, id, &config, &secrets)?;
    let json = |v: &BTreeMap<String, String>| serde_json::to_string(v).map_err(corrupt);
    let given: Vec<(&str, &SecretValue)> = update
        .secrets
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    store.update_instance(key, id, &json(&config)?, &json(&upstreams)?, &given)?;
    Ok(())
}

/// What a credentials check found, as the API and `instance check --json`
/// show it: the account's facts with its app-specific extras as JSON.
pub fn check_json(instance: &str, account: &AccountInfo) -> serde_json::Value {
    let raw: serde_json::Value = serde_json::from_str(&account.raw)
        .unwrap_or_else(|_| serde_json::Value::String(account.raw.clone()));
    serde_json::json!({
        "instance": instance,
        "account": {
            "id": account.id,
            "name": account.name,
            "plan": account.plan,
            "owner": account.owner,
            "raw": raw,
        },
    })
}
