//! Constructors for the contract's [`Error`] record, one per blame.

use crate::{Error, ErrorKind};

impl Error {
    /// An error with an explicit kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Credentials are wrong, expired or consent is missing.
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Auth, message)
    }

    /// The credentials are valid but lack a permission or scope.
    pub fn permission(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permission, message)
    }

    /// The requested object does not exist upstream.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// The upstream throttled us and the host's retries ran out.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::RateLimited, message)
    }

    /// The upstream failed or answered something unexpected (a 5xx, a
    /// malformed body).
    pub fn upstream(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Upstream, message)
    }

    /// The instance configuration is wrong; the operator must fix a setting
    /// (or asked for a stream or action that does not exist).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidConfig, message)
    }

    /// The upstream tenant lacks the licence or plan for this data.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// A bug in the plugin itself.
    pub fn plugin(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plugin, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_constructor_sets_its_kind_and_keeps_the_message() {
        let cases = [
            (Error::auth("m"), ErrorKind::Auth),
            (Error::permission("m"), ErrorKind::Permission),
            (Error::not_found("m"), ErrorKind::NotFound),
            (Error::rate_limited("m"), ErrorKind::RateLimited),
            (Error::upstream("m"), ErrorKind::Upstream),
            (Error::config("m"), ErrorKind::InvalidConfig),
            (Error::unavailable("m"), ErrorKind::Unavailable),
            (Error::plugin("m"), ErrorKind::Plugin),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind, kind, "{error:?}");
            assert_eq!(error.message, "m", "{error:?}");
        }
    }
}
