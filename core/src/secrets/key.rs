//! [`MasterKey`]: the 256-bit key that seals every secret, and where it comes from.

use std::fs::{DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::TryRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::SecretError;

/// Length of a master key in bytes (AES-256).
pub const KEY_LEN: usize = 32;

/// Environment variable that, when set and non-empty, supplies the master key as
/// 64 hex characters and takes precedence over the key file.
pub const MASTER_KEY_ENV: &str = "PLUGBOARD_MASTER_KEY";

/// Name of the key file inside the plugboard home directory.
pub const KEY_FILE_NAME: &str = "master.key";

/// Mode of a newly created key file: owner read/write only.
const KEY_FILE_MODE: u32 = 0o600;

/// Mode of a home directory the key loader has to create: owner only.
const HOME_DIR_MODE: u32 = 0o700;

/// Permission bits that must be clear on an existing key file (any group or
/// other access): a key others can read protects nothing.
const KEY_FILE_FORBIDDEN_BITS: u32 = 0o077;

/// Largest key file we read, in bytes: 64 hex characters plus generous room
/// for whitespace. Anything larger is not a key file.
const KEY_FILE_MAX_BYTES: u64 = 256;

/// Length of a [`KeyId`] in bytes (8 hex characters).
pub(crate) const KEY_ID_LEN: usize = 4;

/// Short public fingerprint of a master key: the first 4 bytes of its SHA-256,
/// shown as 8 hex characters. Stored beside ciphertexts so the wrong key is
/// named, not guessed at.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; KEY_ID_LEN]);

impl KeyId {
    /// The raw 4 bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The 256-bit key that seals secrets. Zeroized on drop; `Debug` shows only its
/// [`KeyId`].
#[derive(Clone)]
pub struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    id: KeyId,
    /// The key file this key belongs with, for error hints.
    key_file: Option<PathBuf>,
}

impl MasterKey {
    /// Load the master key for `home`: from `PLUGBOARD_MASTER_KEY` when set and
    /// non-empty, else from `home/master.key`, creating that file (mode 0600,
    /// and `home` itself with mode 0700 if missing) with a fresh random key on
    /// first use.
    ///
    /// Refuses an existing key file that group or others can access, and a
    /// malformed key from either source. Two processes creating the file at
    /// once agree on one key (`create_new`); a reader that catches the file
    /// before its single write lands sees it as malformed and can retry.
    pub fn load_or_create(home: &Path) -> Result<MasterKey, SecretError> {
        let env = env_value()?;
        Self::load_or_create_with(home, env.as_ref().map(|v| v.as_str()))
    }

    /// The master key `load_or_create` would use for `home`, without
    /// creating one: `Ok(None)` when `PLUGBOARD_MASTER_KEY` is unset and
    /// there is no key file (`plugboard doctor` looks without changing
    /// anything). The same refusals as `load_or_create`.
    pub fn load_existing(home: &Path) -> Result<Option<MasterKey>, SecretError> {
        let env = env_value()?;
        Self::load_existing_with(home, env.as_ref().map(|v| v.as_str()))
    }

    /// [`MasterKey::load_existing`] with the environment value passed in
    /// (`None` or empty = not set).
    pub fn load_existing_with(
        home: &Path,
        env_value: Option<&str>,
    ) -> Result<Option<MasterKey>, SecretError> {
        let key_file = home.join(KEY_FILE_NAME);
        if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
            let mut key =
                Self::from_hex(value).map_err(|reason| SecretError::EnvKeyMalformed { reason })?;
            key.key_file = Some(key_file);
            return Ok(Some(key));
        }
        read_key_file(&key_file)
    }

    /// [`MasterKey::load_or_create`] with the environment value passed in
    /// (`None` or empty = not set), so callers and tests need not touch the
    /// process environment.
    pub fn load_or_create_with(
        home: &Path,
        env_value: Option<&str>,
    ) -> Result<MasterKey, SecretError> {
        match Self::load_existing_with(home, env_value)? {
            Some(key) => Ok(key),
            None => create_key_file(home, &home.join(KEY_FILE_NAME)),
        }
    }

    /// A fresh random key from the operating system's random source.
    pub fn generate() -> Result<MasterKey, SecretError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng
            .try_fill_bytes(bytes.as_mut())
            .map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(Self::from_bytes(bytes))
    }

    /// Parse 64 hex characters (surrounding whitespace ignored). The error says
    /// what is wrong without echoing the input.
    pub fn from_hex(text: &str) -> Result<MasterKey, String> {
        let text = text.trim();
        if text.len() != KEY_LEN * 2 {
            return Err(format!(
                "expected {} hex characters, found {}",
                KEY_LEN * 2,
                text.len()
            ));
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        hex::decode_to_slice(text, bytes.as_mut())
            .map_err(|_| "it contains characters that are not hex digits".to_string())?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key as 64 lower-case hex characters, for writing a key file or
    /// exporting to `PLUGBOARD_MASTER_KEY`. Zeroized on drop.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.bytes.as_ref()))
    }

    /// This key's public fingerprint.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The key file this key was loaded from or belongs with, when known.
    pub fn key_file(&self) -> Option<&Path> {
        self.key_file.as_deref()
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> MasterKey {
        let digest = Sha256::digest(bytes.as_ref());
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        MasterKey {
            bytes,
            id: KeyId(id),
            key_file: None,
        }
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id={}, <redacted>)", self.id)
    }
}

/// `PLUGBOARD_MASTER_KEY`, when set; zeroized on drop.
fn env_value() -> Result<Option<Zeroizing<String>>, SecretError> {
    match std::env::var_os(MASTER_KEY_ENV) {
        Some(value) => value
            .into_string()
            .map(|v| Some(Zeroizing::new(v)))
            .map_err(|_| SecretError::EnvKeyMalformed {
                reason: "it is not valid Unicode".into(),
            }),
        None => Ok(None),
    }
}

/// Read an existing key file; `Ok(None)` when there is none.
fn read_key_file(path: &Path) -> Result<Option<MasterKey>, SecretError> {
    let io = |action, source| SecretError::KeyFileIo {
        action,
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", e)),
    };
    let meta = file.metadata().map_err(|e| io("read", e))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & KEY_FILE_FORBIDDEN_BITS != 0 {
        return Err(SecretError::KeyFileTooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut text = Zeroizing::new(String::new());
    file.take(KEY_FILE_MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| io("read", e))?;
    let mut key = MasterKey::from_hex(&text).map_err(|reason| SecretError::KeyFileMalformed {
        path: path.to_path_buf(),
        reason,
    })?;
    key.key_file = Some(path.to_path_buf());
    Ok(Some(key))
}

/// Create the key file with a fresh key. If another process created it first,
/// use theirs.
fn create_key_file(home: &Path, path: &Path) -> Result<MasterKey, SecretError> {
    let io = |action, source| SecretError::KeyFileIo {
        action,
        path: path.to_path_buf(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(HOME_DIR_MODE)
        .create(home)
        .map_err(|e| io("create the directory of", e))?;
    let mut key = MasterKey::generate()?;
    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(KEY_FILE_MODE)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return read_key_file(path)?.ok_or_else(|| io("read", e));
        }
        Err(e) => return Err(io("create", e)),
    };
    let mut line = key.to_hex();
    line.push('\n');
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", e))?;
    key.key_file = Some(path.to_path_buf());
    Ok(key)
}
