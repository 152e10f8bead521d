//! Secrets: sealing, binding, keys and key files.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use plugboard_core::Blame;
use plugboard_core::secrets::{MasterKey, Sealed, SecretError, SecretValue, open, seal};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn secret(text: &str) -> SecretValue {
    SecretValue::new(text.to_string())
}

#[test]
fn a_sealed_secret_opens_to_the_same_plaintext() -> TestResult {
    let key = MasterKey::generate()?;
    let sealed = seal(&key, "acme-zoom", "client_secret", &secret("hunter2"))?;
    let bytes = sealed.to_bytes();
    let parsed = Sealed::from_bytes(&bytes, "acme-zoom", "client_secret")?;
    assert_eq!(parsed, sealed);
    let opened = open(&key, "acme-zoom", "client_secret", &parsed)?;
    assert_eq!(opened.expose(), "hunter2");
    Ok(())
}

#[test]
fn every_seal_uses_a_fresh_nonce() -> TestResult {
    let key = MasterKey::generate()?;
    let a = seal(&key, "i", "n", &secret("same"))?;
    let b = seal(&key, "i", "n", &secret("same"))?;
    assert_ne!(a.nonce, b.nonce, "nonces repeated");
    assert_ne!(a.ciphertext, b.ciphertext, "ciphertexts repeated");
    Ok(())
}

#[test]
fn a_ciphertext_moved_to_another_instance_or_name_does_not_open() -> TestResult {
    let key = MasterKey::generate()?;
    let sealed = seal(&key, "tenant-a", "client_secret", &secret("a-secret"))?;
    for (instance, name) in [
        ("tenant-b", "client_secret"),
        ("tenant-a", "account_id"),
        // The separator keeps "a\0b" + "c" apart from "a" + "b\0c".
        ("tenant-a\0client", "secret"),
    ] {
        let err = open(&key, instance, name, &sealed)
            .err()
            .ok_or(format!("{instance:?}/{name:?} opened"))?;
        assert!(
            matches!(err, SecretError::BoundElsewhere { .. }),
            "{instance:?}/{name:?}: {err:?}"
        );
        assert!(!err.to_string().contains("a-secret"), "{err}");
    }
    Ok(())
}

#[test]
fn a_ciphertext_with_a_forged_binding_still_fails_authentication() -> TestResult {
    let key = MasterKey::generate()?;
    let mut sealed = seal(&key, "tenant-a", "s", &secret("x"))?;
    let target = seal(&key, "tenant-b", "s", &secret("y"))?;
    sealed.binding = target.binding;
    let err = open(&key, "tenant-b", "s", &sealed)
        .err()
        .ok_or("forged binding opened")?;
    assert!(matches!(err, SecretError::Corrupted { .. }), "{err:?}");
    Ok(())
}

#[test]
fn a_tampered_ciphertext_is_reported_as_corrupted() -> TestResult {
    let key = MasterKey::generate()?;
    let mut bytes = seal(&key, "i", "n", &secret("value"))?.to_bytes();
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    let sealed = Sealed::from_bytes(&bytes, "i", "n")?;
    let err = open(&key, "i", "n", &sealed)
        .err()
        .ok_or("tampered opened")?;
    assert!(matches!(err, SecretError::Corrupted { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Host);
    let err = Sealed::from_bytes(&bytes[..10], "i", "n")
        .err()
        .ok_or("truncated parsed")?;
    assert!(matches!(err, SecretError::Corrupted { .. }), "{err:?}");
    Ok(())
}

#[test]
fn opening_with_the_wrong_key_names_both_key_ids() -> TestResult {
    let home = tempfile::tempdir()?;
    let right = MasterKey::generate()?;
    let wrong = MasterKey::load_or_create_with(home.path(), None)?;
    let sealed = seal(&right, "i", "n", &secret("value"))?;
    let err = open(&wrong, "i", "n", &sealed)
        .err()
        .ok_or("wrong key opened")?;
    let text = err.to_string();
    assert!(matches!(err, SecretError::WrongKey { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    assert!(
        text.contains(&format!("sealed with key {}", right.id())),
        "{text}"
    );
    assert!(
        text.contains(&format!("the current key is {}", wrong.id())),
        "{text}"
    );
    assert!(text.contains("PLUGBOARD_MASTER_KEY"), "{text}");
    assert!(text.contains("master.key"), "{text}");
    Ok(())
}

#[test]
fn the_key_file_is_created_with_mode_0600_and_reused() -> TestResult {
    let home = tempfile::tempdir()?;
    let first = MasterKey::load_or_create_with(home.path(), None)?;
    let path = home.path().join("master.key");
    let mode = fs::metadata(&path)?.permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    let second = MasterKey::load_or_create_with(home.path(), None)?;
    assert_eq!(first.id(), second.id());
    assert_eq!(first.to_hex().as_str(), second.to_hex().as_str());
    assert_eq!(second.key_file(), Some(path.as_path()));
    Ok(())
}

#[test]
fn a_missing_home_directory_is_created_for_the_key_file() -> TestResult {
    let base = tempfile::tempdir()?;
    let home = base.path().join("nested").join("home");
    MasterKey::load_or_create_with(&home, None)?;
    assert!(home.join("master.key").is_file());
    Ok(())
}

#[test]
fn a_key_file_others_can_read_is_refused() -> TestResult {
    let home = tempfile::tempdir()?;
    MasterKey::load_or_create_with(home.path(), None)?;
    let path = home.path().join("master.key");
    for mode in [0o640, 0o604, 0o660, 0o644] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))?;
        let err = MasterKey::load_or_create_with(home.path(), None)
            .err()
            .ok_or(format!("mode {mode:o} accepted"))?;
        assert!(matches!(err, SecretError::KeyFileTooOpen { .. }), "{err:?}");
        assert_eq!(err.blame(), Blame::Operator);
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
    Ok(())
}

#[test]
fn a_malformed_key_file_is_refused_without_echoing_it() -> TestResult {
    let home = tempfile::tempdir()?;
    let path = home.path().join("master.key");
    fs::write(&path, "not-a-key-zzzz\n")?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
    let err = MasterKey::load_or_create_with(home.path(), None)
        .err()
        .ok_or("malformed key accepted")?;
    assert!(
        matches!(err, SecretError::KeyFileMalformed { .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("not-a-key"), "{err}");
    Ok(())
}

#[test]
fn the_environment_key_wins_over_the_key_file() -> TestResult {
    let home = tempfile::tempdir()?;
    let file_key = MasterKey::load_or_create_with(home.path(), None)?;
    let env_key = MasterKey::generate()?;
    let loaded = MasterKey::load_or_create_with(home.path(), Some(&env_key.to_hex()))?;
    assert_eq!(loaded.id(), env_key.id());
    assert_ne!(loaded.id(), file_key.id());
    let empty = MasterKey::load_or_create_with(home.path(), Some(""))?;
    assert_eq!(
        empty.id(),
        file_key.id(),
        "an empty variable counts as unset"
    );
    let err = MasterKey::load_or_create_with(home.path(), Some("abc"))
        .err()
        .ok_or("short env key accepted")?;
    assert!(
        matches!(err, SecretError::EnvKeyMalformed { .. }),
        "{err:?}"
    );
    assert_eq!(err.blame(), Blame::Operator);
    Ok(())
}

#[test]
fn debug_output_never_shows_a_secret_or_a_key() -> TestResult {
    let value = secret("hunter2-plaintext");
    assert_eq!(format!("{value:?}"), "SecretValue(<redacted>)");
    let key = MasterKey::generate()?;
    let hex = key.to_hex();
    let shown = format!("{key:?}");
    assert!(!shown.contains(hex.as_str()), "{shown}");
    assert!(!shown.contains(&hex[..16]), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    Ok(())
}

#[test]
fn an_unknown_format_version_is_reported_as_such() -> TestResult {
    let key = MasterKey::generate()?;
    let mut bytes = seal(&key, "i", "n", &secret("v"))?.to_bytes();
    if let Some(first) = bytes.first_mut() {
        *first = 9;
    }
    let err = Sealed::from_bytes(&bytes, "i", "n")
        .err()
        .ok_or("v9 parsed")?;
    assert!(
        matches!(err, SecretError::UnknownFormat { found: 9, .. }),
        "{err:?}"
    );
    Ok(())
}
