//! What both simulators' consent flows share: the PKCE check, the loopback
//! redirect rule, the consent form a test submits, and the redirect back.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::query::percent_encode;

/// How an authorize request protected its code (RFC 7636).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// No `code_challenge`: any (or no) verifier is accepted.
    None,
    /// `code_challenge_method=plain` (Zoom's default when the method is omitted).
    Plain(String),
    /// `code_challenge_method=S256`.
    S256(String),
}

impl Challenge {
    /// The challenge an authorize request asked for; `Err` names an unsupported method.
    pub fn of(challenge: Option<&str>, method: Option<&str>) -> Result<Self, String> {
        match (challenge.filter(|c| !c.is_empty()), method) {
            (None, _) => Ok(Challenge::None),
            (Some(c), None | Some("plain")) => Ok(Challenge::Plain(c.to_owned())),
            (Some(c), Some("S256")) => Ok(Challenge::S256(c.to_owned())),
            (Some(_), Some(other)) => Err(other.to_owned()),
        }
    }

    /// Whether `verifier` answers the challenge.
    pub fn accepts(&self, verifier: Option<&str>) -> bool {
        match (self, verifier) {
            (Challenge::None, _) => true,
            (_, None) => false,
            (Challenge::Plain(c), Some(v)) => c == v,
            (Challenge::S256(c), Some(v)) => {
                let digest = Sha256::digest(v.as_bytes());
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == *c
            }
        }
    }
}

/// Whether `asked` matches a registered redirect URI exactly, or — for a
/// registered `http://127.0.0.1/PATH` without a port — is that loopback URI on
/// any port (RFC 8252 §7.3: native apps listen on a port the OS picks).
pub(crate) fn redirect_allowed(registered: &[String], asked: &str) -> bool {
    registered.iter().any(|r| {
        if r == asked {
            return true;
        }
        let Some(path) = r.strip_prefix("http://127.0.0.1/") else {
            return false;
        };
        let Some(rest) = asked.strip_prefix("http://127.0.0.1:") else {
            return false;
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && digits <= 5 && rest.get(digits..) == Some(&format!("/{path}"))
    })
}

/// `302` to `redirect_uri` with `params` added to its query.
pub(crate) fn redirect_to(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let query = params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{query}");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The consent page: one form posting `consent=ID` with `decision=allow` or
/// `decision=deny` to `action`. [`crate::browser`] reads it back.
pub(crate) fn consent_page(title: &str, action: &str, consent_id: &str, asks: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><title>{title}</title></head><body>\
         <h1>{title}</h1><p>{asks}</p>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"consent\" value=\"{consent_id}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Decline</button>\
         </form></body></html>",
        title = html_escape(title),
        asks = html_escape(asks),
        action = html_escape(action),
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_accepts_only_the_verifier_of_its_challenge() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = Challenge::of(
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            Some("S256"),
        );
        assert_eq!(
            challenge,
            Ok(Challenge::S256(
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()
            ))
        );
        let challenge = challenge.unwrap_or(Challenge::None);
        assert!(challenge.accepts(Some(verifier)));
        assert!(!challenge.accepts(Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx")));
        assert!(!challenge.accepts(None));
        assert_eq!(Challenge::of(Some("c"), Some("S512")), Err("S512".into()));
        assert_eq!(
            Challenge::of(Some("c"), None),
            Ok(Challenge::Plain("c".into()))
        );
    }

    #[test]
    fn a_portless_loopback_registration_matches_any_port_and_nothing_else() {
        let registered = vec![
            "http://127.0.0.1/callback".to_owned(),
            "https://app.example/cb".to_owned(),
        ];
        for ok in [
            "http://127.0.0.1:5000/callback",
            "http://127.0.0.1:1/callback",
            "https://app.example/cb",
        ] {
            assert!(redirect_allowed(&registered, ok), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:5000/callback/",
            "http://127.0.0.1:5000/other",
            "http://127.0.0.1:/callback",
            "http://127.0.0.1:5000@evil.example/callback",
            "http://localhost:5000/callback",
            "https://app.example/cb/",
        ] {
            assert!(!redirect_allowed(&registered, bad), "{bad}");
        }
    }
}
