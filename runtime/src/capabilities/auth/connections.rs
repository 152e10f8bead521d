//! Where the broker keeps an instance's consent-flow connections: the
//! runtime knows no store, so the host gives the broker this interface
//! (backed by the store's sealed connections) when it builds an instance.

use plugboard_core::secrets::SecretValue;

/// What is kept for one consent-flow profile.
pub enum Stored {
    /// Nobody has connected the instance yet.
    NotConnected,
    /// The last refresh token was refused; the detail says how.
    ReconnectNeeded(String),
    /// The refresh token to use.
    Token(SecretValue),
}

/// An instance's connections. Errors are the store's, as text.
pub trait Connections: Send + Sync {
    /// The instance's id (for messages).
    fn instance(&self) -> &str;

    /// The connection of `profile`.
    fn load(&self, profile: &str) -> Result<Stored, String>;

    /// Keep `token` as `profile`'s refresh token, replacing the old one in
    /// one write. Called before the access token that came with it is used.
    fn rotate(&self, profile: &str, token: &SecretValue) -> Result<(), String>;

    /// The refresh token of `profile` was refused: mark the connection
    /// "reconnect needed" with `detail`, dropping the token.
    fn refused(&self, profile: &str, detail: &str) -> Result<(), String>;
}
