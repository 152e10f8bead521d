//! Registry credentials from the operator: `--username` with
//! `--password-stdin`, or the docker config (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`): the registry's credential helper
//! (`credHelpers`, else `credsStore`; see [`super::cred_helper`]) when one
//! is named, else `auths.HOST.auth` = base64 of `user:password`. Never
//! logged, shown in an error or printed by `Debug`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use zeroize::Zeroizing;

use super::OciError;

/// The largest docker config read.
const MAX_DOCKER_CONFIG_BYTES: u64 = 1 << 20;

/// A user name and password for a registry.
#[derive(Clone)]
pub struct Credentials {
    /// The user name (shown: it is not a secret).
    pub username: String,
    password: Zeroizing<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// Credentials from a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: Zeroizing::new(password.into()),
        }
    }

    /// For `oci-client`.
    pub(super) fn to_auth(&self) -> oci_client::secrets::RegistryAuth {
        oci_client::secrets::RegistryAuth::Basic(
            self.username.clone(),
            self.password.as_str().to_string(),
        )
    }

    /// The `Authorization: Basic …` value.
    pub(super) fn basic_header(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                self.username,
                self.password.as_str()
            ))
        ))
    }

    /// The password, for scrubbing text that might echo it.
    pub(super) fn password_text(&self) -> Zeroizing<String> {
        self.password.clone()
    }

    /// The docker config file: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`.
    pub fn docker_config_path() -> Option<PathBuf> {
        match std::env::var_os("DOCKER_CONFIG") {
            Some(dir) => Some(PathBuf::from(dir).join("config.json")),
            None => dirs::home_dir().map(|h| h.join(".docker").join("config.json")),
        }
    }

    /// The credentials the docker config at `path` holds for `registry`, if
    /// any (no file: none).
    pub fn from_docker_config(path: &Path, registry: &str) -> Result<Option<Self>, OciError> {
        let shown = path.display();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(OciError::Credentials(format!("{shown}: {e}"))),
        };
        if meta.len() > MAX_DOCKER_CONFIG_BYTES {
            return Err(OciError::Credentials(format!(
                "{shown} is larger than {MAX_DOCKER_CONFIG_BYTES} bytes"
            )));
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| OciError::Credentials(format!("{shown}: {e}")))?,
        );
        // The parser's message could quote a value: say only where.
        let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            OciError::Credentials(format!(
                "{shown} is not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if let Some(helper) = super::cred_helper::helper_for(&config, registry) {
            return super::cred_helper::ask(helper, registry, None);
        }
        let auths = config.get("auths").and_then(|a| a.as_object());
        let Some(entry) = auths.and_then(|a| {
            [
                registry.to_string(),
                format!("https://{registry}"),
                format!("http://{registry}"),
                format!("https://{registry}/v2/"),
            ]
            .iter()
            .find_map(|k| a.get(k))
        }) else {
            return Ok(None);
        };
        let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) else {
            return Ok(None);
        };
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| {
                    OciError::Credentials(format!("{shown}: the auth of {registry} is not base64"))
                })?,
        );
        let pair = std::str::from_utf8(&decoded).map_err(|_| {
            OciError::Credentials(format!("{shown}: the auth of {registry} is not UTF-8"))
        })?;
        let (user, password) = pair.split_once(':').ok_or_else(|| {
            OciError::Credentials(format!(
                "{shown}: the auth of {registry} is not base64 of USER:PASSWORD"
            ))
        })?;
        Ok(Some(Credentials::new(user, password)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_auths_are_read_and_the_password_is_never_printed()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("vendor:s3cret-pass");
        std::fs::write(
            &path,
            format!(r#"{{"auths":{{"https://127.0.0.1:5000":{{"auth":"{auth}"}}}}}}"#),
        )?;
        let creds = Credentials::from_docker_config(&path, "127.0.0.1:5000")?;
        let Some(creds) = creds else {
            panic!("no credentials found")
        };
        assert_eq!(creds.username, "vendor");
        assert!(!format!("{creds:?}").contains("s3cret"));
        assert!(Credentials::from_docker_config(&path, "other:5000")?.is_none());
        assert!(Credentials::from_docker_config(&dir.path().join("none.json"), "x")?.is_none());
        std::fs::write(&path, r#"{"auths":{"h":{"auth":"s3cret-pass!!"}}}"#)?;
        let err = Credentials::from_docker_config(&path, "h").err();
        assert!(
            matches!(&err, Some(e) if !e.to_string().contains("s3cret")),
            "{err:?}"
        );
        Ok(())
    }
}
