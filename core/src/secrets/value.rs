//! [`SecretValue`]: a plaintext secret that zeroizes on drop and never prints.

use zeroize::Zeroizing;

/// A plaintext secret (a client secret, an API key, a token).
///
/// Zeroized on drop. `Debug` prints `SecretValue(<redacted>)`; there is no
/// `Display` and no `Serialize`, so it cannot reach a log line or an API answer
/// by accident. Read it with [`SecretValue::expose`] at the last moment.
#[derive(Clone)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    /// Wrap a plaintext; the `String` is moved in, not copied.
    pub fn new(plaintext: String) -> Self {
        SecretValue(Zeroizing::new(plaintext))
    }

    /// The plaintext. Keep the borrow short and never log it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Length of the plaintext in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the plaintext is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}
