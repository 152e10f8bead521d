//! Docker credential helpers: the docker config's `credHelpers` (one helper
//! per registry) and `credsStore` (one for every registry) name a program
//! `docker-credential-NAME` that answers `get` with the registry on stdin and
//! `{"Username": …, "Secret": …}` on stdout — how Docker Desktop, `pass`,
//! the OS keychains and the cloud registries' helpers (ECR, GCR, ACR) keep
//! credentials out of config.json.
//!
//! The helper is the operator's own program, but its name comes from a file
//! and its answer is untrusted text: the name must be one plain word, the
//! answer is read up to 64 KiB, a helper that does not answer in 30 s is
//! killed, and no error quotes what it printed (it may hold the secret).

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::OciError;
use super::credentials::Credentials;

/// The most of a helper's answer read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// How long a helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// The helper the docker config `config` names for `registry`:
/// `credHelpers[registry]`, else `credsStore`.
pub(super) fn helper_for<'c>(config: &'c serde_json::Value, registry: &str) -> Option<&'c str> {
    config
        .get("credHelpers")
        .and_then(|h| h.get(registry))
        .and_then(|h| h.as_str())
        .or_else(|| config.get("credsStore").and_then(|s| s.as_str()))
        .filter(|name| !name.is_empty())
}

/// Ask `docker-credential-{helper}` for `registry`'s credentials; `None`
/// when it has none. `path` replaces `PATH` for finding the helper (tests).
pub(super) fn ask(
    helper: &str,
    registry: &str,
    path: Option<OsString>,
) -> Result<Option<Credentials>, OciError> {
    let valid = helper.len() <= 64
        && helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !helper.starts_with('.');
    if !valid {
        return Err(OciError::Credentials(format!(
            "the docker config names the credential helper {}, which is not a plain name",
            plugboard_core::text::quoted(helper)
        )));
    }
    let program = format!("docker-credential-{helper}");
    let fail = |why: String| OciError::Credentials(format!("{program} get: {why}"));
    let mut command = Command::new(&program);
    command
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let mut child = command.spawn().map_err(|e| {
        fail(match e.kind() {
            std::io::ErrorKind::NotFound => {
                "not found on PATH; install it or remove it from the docker config".into()
            }
            _ => e.to_string(),
        })
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is judged by its status.
        let _ = stdin.write_all(registry.as_bytes());
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut answer = Zeroizing::new(Vec::new());
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(MAX_ANSWER_BYTES).read_to_end(&mut answer);
        }
        answer
    });
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "no answer in {} s; killed",
                    HELPER_TIMEOUT.as_secs()
                )));
            }
            Err(e) => return Err(fail(e.to_string())),
        }
    };
    let answer = reader
        .join()
        .map_err(|_| fail("its answer could not be read".into()))?;
    if !status.success() {
        // Helpers answer "credentials not found in native keychain" with a
        // failure: no credentials, the registry may be public.
        tracing::debug!(helper = %program, "the credential helper has no credentials for the registry");
        return Ok(None);
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    // The parser's message could quote the secret: say only that it failed.
    let parsed: Answer = serde_json::from_slice(&answer)
        .map_err(|_| fail("its answer is not {\"Username\": …, \"Secret\": …}".into()))?;
    let secret = Zeroizing::new(parsed.secret);
    Ok(Some(Credentials::new(parsed.username, secret.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    /// A directory holding `docker-credential-NAME` scripts, for `PATH`.
    fn helpers(scripts: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (name, body) in scripts {
            let path = dir.path().join(format!("docker-credential-{name}"));
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap_or_else(|e| panic!("{e}"));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        dir
    }

    #[test]
    fn the_helper_for_a_registry_is_its_own_else_the_store() {
        let config = serde_json::json!({
            "credsStore": "desktop",
            "credHelpers": { "123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login" }
        });
        assert_eq!(
            helper_for(&config, "123.dkr.ecr.eu-west-1.amazonaws.com"),
            Some("ecr-login")
        );
        assert_eq!(helper_for(&config, "ghcr.io"), Some("desktop"));
        assert_eq!(
            helper_for(&serde_json::json!({"auths": {}}), "ghcr.io"),
            None
        );
    }

    #[test]
    fn a_helper_is_asked_with_the_registry_on_stdin_and_its_secret_never_shown() {
        let dir = helpers(&[
            (
                "fake",
                r#"read r; [ "$1" = get ] && [ "$r" = "127.0.0.1:5000" ] || exit 3
printf '{"ServerURL":"%s","Username":"vendor","Secret":"s3cret-pass"}' "$r""#,
            ),
            (
                "none",
                "echo 'credentials not found in native keychain'; exit 1",
            ),
            ("garbled", "echo 'Secret: s3cret-pass'"),
        ]);
        let path = Some(dir.path().as_os_str().to_owned());
        let creds = ask("fake", "127.0.0.1:5000", path.clone())
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no credentials"));
        assert_eq!(creds.username, "vendor");
        assert_eq!(creds.password_text().as_str(), "s3cret-pass");
        assert!(!format!("{creds:?}").contains("s3cret"));
        // Another registry: the fake helper fails, which means none.
        assert!(
            ask("fake", "other:5000", path.clone())
                .unwrap_or_else(|e| panic!("{e}"))
                .is_none()
        );
        assert!(
            ask("none", "127.0.0.1:5000", path.clone())
                .unwrap_or_else(|e| panic!("{e}"))
                .is_none()
        );
        let garbled = ask("garbled", "127.0.0.1:5000", path.clone()).err();
        assert!(
            matches!(&garbled, Some(e) if !e.to_string().contains("s3cret")
                && e.to_string().contains("docker-credential-garbled get")),
            "{garbled:?}"
        );
        let missing = ask("absent", "127.0.0.1:5000", path.clone()).err();
        assert!(
            matches!(&missing, Some(e) if e.to_string().contains("not found on PATH")),
            "{missing:?}"
        );
        for bad in ["../../bin/sh", "a b", ".hidden", "x/y"] {
            let e = ask(bad, "127.0.0.1:5000", path.clone()).err();
            assert!(
                matches!(&e, Some(e) if e.to_string().contains("not a plain name")),
                "{bad}: {e:?}"
            );
        }
    }
}
