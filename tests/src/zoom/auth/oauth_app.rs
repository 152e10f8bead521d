//! Zoom's OAuth app ("General app", admin-managed): authorization codes with
//! PKCE, refresh tokens that rotate, and revocation — the "Connect Zoom" flow.
//!
//! As the facts say: a code lives 5 minutes and is used once; only the latest
//! refresh token of an authorization works (a refreshed one is dead at once);
//! a new authorization supersedes the earlier ones.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::Rng as _;

use crate::common::consent::Challenge;

/// How long an authorization code may be exchanged: Zoom's 5 minutes.
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// Pending consent pages kept at most (a test opens a few).
const MAX_PENDING: usize = 1_000;

/// What an authorize request asked for, kept until the consent form is
/// submitted and then with the code.
#[derive(Debug, Clone)]
pub(crate) struct Authorization {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: Challenge,
}

#[derive(Debug)]
struct IssuedCode {
    authorization: Authorization,
    expires_at: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefreshState {
    Live,
    /// Refreshed: a newer token replaced it.
    Rotated,
    /// Revoked by the admin, or superseded by a newer authorization.
    Revoked,
}

/// Why an exchange is refused: `invalid_grant` with Zoom's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub code: u32,
    pub reason: &'static str,
}

/// The OAuth app's state: its registration and what it issued.
#[derive(Debug)]
pub(crate) struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pending: HashMap<String, Authorization>,
    codes: HashMap<String, IssuedCode>,
    refresh: HashMap<String, RefreshState>,
}

fn random_token(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::rng().random()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

impl OAuthApp {
    pub fn new(client_id: String, client_secret: String, redirect_uris: Vec<String>) -> Self {
        OAuthApp {
            client_id,
            client_secret,
            redirect_uris,
            pending: HashMap::new(),
            codes: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    /// Keeps `authorization` for the consent form; returns the form's id.
    pub fn begin(&mut self, authorization: Authorization) -> String {
        if self.pending.len() >= MAX_PENDING {
            self.pending.clear();
        }
        let id = random_token(16);
        self.pending.insert(id.clone(), authorization);
        id
    }

    /// The pending authorization `consent_id` names, removed (a form is
    /// submitted once).
    pub fn take_pending(&mut self, consent_id: &str) -> Option<Authorization> {
        self.pending.remove(consent_id)
    }

    /// A code for an allowed authorization.
    pub fn issue_code(&mut self, authorization: Authorization, now: Instant) -> String {
        self.codes.retain(|_, c| c.expires_at > now);
        let code = random_token(24);
        self.codes.insert(
            code.clone(),
            IssuedCode {
                authorization,
                expires_at: now + CODE_LIFETIME,
            },
        );
        code
    }

    /// Exchanges `code`: it is consumed whatever the outcome (so a verifier
    /// cannot be guessed twice), and must be unexpired, sent with the
    /// authorize request's redirect URI and the PKCE verifier of its
    /// challenge. A new authorization supersedes every earlier refresh token.
    pub fn exchange(
        &mut self,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        now: Instant,
    ) -> Result<String, Refused> {
        let Some(issued) = self.codes.remove(code) else {
            return Err(Refused {
                code: 4734,
                reason: "Invalid authorization code",
            });
        };
        if now >= issued.expires_at {
            return Err(Refused {
                code: 4733,
                reason: "Authorization code is expired",
            });
        }
        if redirect_uri != Some(issued.authorization.redirect_uri.as_str()) {
            return Err(Refused {
                code: 4709,
                reason: "Redirect URI mismatch",
            });
        }
        if !issued.authorization.challenge.accepts(verifier) {
            return Err(Refused {
                code: 4734,
                reason: "Invalid code_verifier",
            });
        }
        for state in self.refresh.values_mut() {
            if *state == RefreshState::Live {
                *state = RefreshState::Revoked;
            }
        }
        Ok(self.new_refresh_token())
    }

    /// Rotates `token`: the new refresh token, with `token` dead from now on.
    pub fn rotate(&mut self, token: &str) -> Result<String, Refused> {
        match self.refresh.get_mut(token) {
            Some(state @ RefreshState::Live) => {
                *state = RefreshState::Rotated;
                Ok(self.new_refresh_token())
            }
            Some(RefreshState::Revoked) => Err(Refused {
                code: 4741,
                reason: "The token has been revoked",
            }),
            Some(RefreshState::Rotated) | None => Err(Refused {
                code: 4711,
                reason: "Invalid Token!",
            }),
        }
    }

    /// Revokes every live refresh token (the admin removed the app).
    pub fn revoke_all(&mut self) -> usize {
        let mut n = 0;
        for state in self.refresh.values_mut() {
            if *state == RefreshState::Live {
                *state = RefreshState::Revoked;
                n += 1;
            }
        }
        n
    }

    /// Whether `token` is the live refresh token.
    pub fn is_live(&self, token: &str) -> bool {
        self.refresh.get(token) == Some(&RefreshState::Live)
    }

    fn new_refresh_token(&mut self) -> String {
        let token = random_token(32);
        self.refresh.insert(token.clone(), RefreshState::Live);
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> OAuthApp {
        OAuthApp::new("id".into(), "secret".into(), vec![])
    }

    fn authorization(challenge: Challenge) -> Authorization {
        Authorization {
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            state: Some("s".into()),
            challenge,
        }
    }

    const REDIRECT: Option<&str> = Some("http://127.0.0.1:1/callback");

    #[test]
    fn a_code_is_single_use_and_expires_after_five_minutes() {
        let mut app = app();
        let now = Instant::now();
        let code = app.issue_code(authorization(Challenge::None), now);
        assert!(app.exchange(&code, REDIRECT, None, now).is_ok());
        assert_eq!(
            app.exchange(&code, REDIRECT, None, now).map_err(|r| r.code),
            Err(4734)
        );
        let late = app.issue_code(authorization(Challenge::None), now);
        assert_eq!(
            app.exchange(&late, REDIRECT, None, now + CODE_LIFETIME)
                .map_err(|r| r.code),
            Err(4733)
        );
    }

    #[test]
    fn a_code_needs_its_redirect_uri_and_verifier_and_a_failed_try_consumes_it() {
        let mut app = app();
        let now = Instant::now();
        let plain = || Challenge::Plain("verifier".into());
        let code = app.issue_code(authorization(plain()), now);
        assert_eq!(
            app.exchange(
                &code,
                Some("http://127.0.0.1:2/callback"),
                Some("verifier"),
                now
            )
            .map_err(|r| r.code),
            Err(4709)
        );
        let code = app.issue_code(authorization(plain()), now);
        assert!(app.exchange(&code, REDIRECT, Some("wrong"), now).is_err());
        assert!(
            app.exchange(&code, REDIRECT, Some("verifier"), now)
                .is_err()
        );
        let code = app.issue_code(authorization(plain()), now);
        assert!(app.exchange(&code, REDIRECT, Some("verifier"), now).is_ok());
    }

    #[test]
    fn only_the_latest_refresh_token_works_and_a_new_authorization_supersedes_it() {
        let mut app = app();
        let now = Instant::now();
        let code = app.issue_code(authorization(Challenge::None), now);
        let first = app.exchange(&code, REDIRECT, None, now).unwrap_or_default();
        let second = app.rotate(&first).unwrap_or_default();
        assert!(app.is_live(&second) && !app.is_live(&first));
        assert_eq!(app.rotate(&first).map_err(|r| r.code), Err(4711));
        let code = app.issue_code(authorization(Challenge::None), now);
        let third = app.exchange(&code, REDIRECT, None, now).unwrap_or_default();
        assert_eq!(app.rotate(&second).map_err(|r| r.code), Err(4741));
        assert_eq!(app.revoke_all(), 1);
        assert_eq!(app.rotate(&third).map_err(|r| r.code), Err(4741));
    }
}
