//! Cassettes: a plugin's upstream exchanges recorded during one scan
//! (`plugboard record`) and answered again offline (`plugboard plugin test
//! --cassette`), the author kit's end-to-end test.
//!
//! Threat: a cassette leaves the host (vendors commit it to their CI), so it
//! must carry no credential. Decision: what is recorded is the exchange as
//! the plugin saw it — its request (URL in its own view, before routes and
//! query credentials) and the answer the host handed back, already scrubbed
//! of the instance's secret values and the broker's tokens — and on top of
//! that every credential-like header (`Authorization`, `Cookie`, the auth
//! profiles' headers, any name with `auth`, `token`, `secret`, `key`,
//! `cookie`, `session` or `password` in it) is dropped and every text is
//! scrubbed again. Token requests are the host's own exchange, never the
//! plugin's: they are not recorded, and a replay mints nothing.
//!
//! The format is a small JSON document shaped like a VCR cassette
//! (`http_interactions` of `request`/`response`): the `vcr-cassette` crate
//! (last release 2021) has no place for what a replay needs besides the
//! exchanges — the plugin, its settings and the recorded clock — nor for an
//! error answer, so it is not used.
//!
//! The clock: while a tape runs, the plugin's `clock.now-ms` returns the
//! time the recording started, both when recording and when replaying, so
//! every request that depends on "now" (a date window) is the same.

use std::collections::BTreeMap;
use std::sync::Mutex;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{HttpError, InboundResponse, OutboundRequest};

/// The `format` of the cassettes this host writes and reads.
pub const FORMAT: &str = "plugboard-cassette/1";

/// A recorded scan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cassette {
    /// [`FORMAT`].
    pub format: String,
    /// The plugin id it was recorded with.
    pub plugin: String,
    /// The plugin version it was recorded with.
    pub version: String,
    /// The plugin's clock during the recording (ms since the Unix epoch).
    pub recorded_at_ms: u64,
    /// The instance's settings (never secrets), so a replay renders the
    /// same URLs and selects the same auth profile.
    pub settings: BTreeMap<String, String>,
    /// The names of the instance's secrets (never their values).
    pub secrets: Vec<String>,
    /// The exchanges, in the order they were answered.
    pub http_interactions: Vec<Interaction>,
}

/// One request and what the plugin received.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interaction {
    pub request: Request,
    /// The answer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    /// The host's refusal or failure, when there was no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

/// A request in the plugin's view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    pub uri: String,
    /// Plain headers the plugin set, credentials dropped.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// An answer as the plugin received it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Response {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// The URL that answered (after redirects), in the plugin's view.
    pub url: String,
}

/// A body: UTF-8 text as is, anything else in base64.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Body {
    /// `utf-8` or `base64`.
    pub encoding: String,
    pub string: String,
}

/// An [`HttpError`] as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    /// `denied`, `timeout`, `network`, `too-large`, `rate-limited`, `auth`
    /// or `invalid`.
    pub kind: String,
    #[serde(default)]
    pub message: String,
}

impl Body {
    fn of(bytes: &[u8]) -> Body {
        match std::str::from_utf8(bytes) {
            Ok(s) => Body {
                encoding: "utf-8".into(),
                string: s.to_string(),
            },
            Err(_) => Body {
                encoding: "base64".into(),
                string: base64::engine::general_purpose::STANDARD.encode(bytes),
            },
        }
    }

    /// The bytes (an undecodable base64 body reads as empty).
    pub fn bytes(&self) -> Vec<u8> {
        match self.encoding.as_str() {
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(&self.string)
                .unwrap_or_default(),
            _ => self.string.clone().into_bytes(),
        }
    }
}

impl Failure {
    fn of(e: &HttpError) -> Failure {
        let (kind, message) = match e {
            HttpError::Denied(m) => ("denied", m.as_str()),
            HttpError::Timeout => ("timeout", ""),
            HttpError::Network(m) => ("network", m.as_str()),
            HttpError::TooLarge => ("too-large", ""),
            HttpError::RateLimited(m) => ("rate-limited", m.as_str()),
            HttpError::Auth(m) => ("auth", m.as_str()),
            HttpError::Invalid(m) => ("invalid", m.as_str()),
        };
        Failure {
            kind: kind.into(),
            message: message.into(),
        }
    }

    fn to_error(&self) -> HttpError {
        let m = self.message.clone();
        match self.kind.as_str() {
            "denied" => HttpError::Denied(m),
            "timeout" => HttpError::Timeout,
            "too-large" => HttpError::TooLarge,
            "rate-limited" => HttpError::RateLimited(m),
            "auth" => HttpError::Auth(m),
            "invalid" => HttpError::Invalid(m),
            _ => HttpError::Network(m),
        }
    }
}

/// Headers never written to a cassette, whatever their value.
const CREDENTIAL_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "www-authenticate",
];
/// A header whose name contains one of these is dropped too.
const CREDENTIAL_WORDS: [&str; 7] = [
    "auth", "token", "secret", "key", "cookie", "session", "password",
];

/// Whether a header named `name` may carry a credential: the fixed list,
/// the words above, or one of `extra` (the auth profiles' and the
/// request's secret headers).
pub fn is_credential_header(name: &str, extra: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    CREDENTIAL_HEADERS.contains(&lower.as_str())
        || CREDENTIAL_WORDS.iter().any(|w| lower.contains(w))
        || extra.iter().any(|e| e.eq_ignore_ascii_case(name))
}

/// The interaction to record for `req` answered by `result`: credential
/// headers dropped (`extra` names more of them), every other text passed
/// through `scrub` (the instance's secret values and tokens).
pub fn interaction_of(
    req: &OutboundRequest,
    result: &Result<InboundResponse, HttpError>,
    extra: &[String],
    scrub: &dyn Fn(&mut String),
) -> Interaction {
    let mut extra = extra.to_vec();
    extra.extend(req.secret_headers.iter().map(|h| h.name.clone()));
    let clean = |s: &str| {
        let mut s = s.to_string();
        scrub(&mut s);
        s
    };
    let headers = |hs: &[(String, String)]| {
        hs.iter()
            .filter(|(k, _)| !is_credential_header(k, &extra))
            .map(|(k, v)| (k.clone(), clean(v)))
            .collect::<Vec<_>>()
    };
    let body = |b: &[u8]| {
        let mut body = Body::of(b);
        scrub(&mut body.string);
        body
    };
    Interaction {
        request: Request {
            method: req.method.to_string(),
            uri: clean(&req.url),
            headers: headers(&req.headers),
            body: req.body.as_deref().map(body),
        },
        response: result.as_ref().ok().map(|r| Response {
            status: r.status,
            headers: headers(&r.headers),
            body: body(&r.body),
            url: clean(&r.url),
        }),
        error: result.as_ref().err().map(|e| {
            let mut f = Failure::of(e);
            scrub(&mut f.message);
            f
        }),
    }
}

/// Collects a scan's exchanges.
#[derive(Debug)]
pub struct Recorder {
    started_ms: u64,
    interactions: Mutex<Vec<Interaction>>,
}

impl Recorder {
    /// A recorder whose plugin clock reads `started_ms`.
    pub fn new(started_ms: u64) -> Self {
        Recorder {
            started_ms,
            interactions: Mutex::new(Vec::new()),
        }
    }

    /// The plugin's clock during the recording.
    pub fn started_ms(&self) -> u64 {
        self.started_ms
    }

    pub(super) fn push(&self, i: Interaction) {
        if let Ok(mut all) = self.interactions.lock() {
            all.push(i);
        }
    }

    /// What was recorded so far.
    pub fn interactions(&self) -> Vec<Interaction> {
        self.interactions
            .lock()
            .map(|all| all.clone())
            .unwrap_or_default()
    }
}

/// `u` as the matcher compares it (parsed, so `HTTPS://Host/` and
/// `https://host/` are one URL); the text itself when it does not parse.
fn normal(u: &str) -> String {
    Url::parse(u).map(String::from).unwrap_or_else(|_| u.into())
}

/// Answers requests from a cassette: the first unused interaction with the
/// same method and URL (and body, for a request that has one), so repeated
/// identical requests replay in the order they were recorded.
#[derive(Debug)]
pub struct Replayer {
    recorded_at_ms: u64,
    /// Each interaction and whether it was used.
    slots: Mutex<Vec<(Interaction, bool)>>,
    misses: Mutex<Vec<String>>,
}

impl Replayer {
    pub fn new(cassette: &Cassette) -> Self {
        Replayer {
            recorded_at_ms: cassette.recorded_at_ms,
            slots: Mutex::new(
                cassette
                    .http_interactions
                    .iter()
                    .map(|i| (i.clone(), false))
                    .collect(),
            ),
            misses: Mutex::new(Vec::new()),
        }
    }

    /// The plugin's clock during the replay: the recorded one.
    pub fn recorded_at_ms(&self) -> u64 {
        self.recorded_at_ms
    }

    /// The answer to `req`, or `None` when the cassette has none left (the
    /// request is then remembered as a miss).
    pub fn answer(&self, req: &OutboundRequest) -> Option<Result<InboundResponse, HttpError>> {
        let method = req.method.to_string();
        let url = normal(&req.url);
        let found = self.slots.lock().ok().and_then(|mut slots| {
            let slot = slots.iter_mut().find(|(i, used)| {
                !*used
                    && i.request.method.eq_ignore_ascii_case(&method)
                    && normal(&i.request.uri) == url
                    && match &req.body {
                        Some(b) if !b.is_empty() => {
                            i.request.body.as_ref().map(Body::bytes).as_deref()
                                == Some(b.as_slice())
                        }
                        _ => i.request.body.as_ref().is_none_or(|b| b.string.is_empty()),
                    }
            })?;
            slot.1 = true;
            Some(slot.0.clone())
        });
        let Some(i) = found else {
            if let Ok(mut m) = self.misses.lock() {
                m.push(format!("{method} {}", req.url));
            }
            return None;
        };
        Some(match (i.response, i.error) {
            (Some(r), _) => {
                let body = r.body.bytes();
                // The cap of a live answer holds for a recorded one.
                if body.len() > super::MAX_RESPONSE_BYTES {
                    Err(HttpError::TooLarge)
                } else {
                    Ok(InboundResponse {
                        status: r.status,
                        headers: r.headers,
                        body,
                        url: r.url,
                    })
                }
            }
            (None, Some(f)) => Err(f.to_error()),
            (None, None) => Err(HttpError::Network(
                "the cassette records this request without an answer".into(),
            )),
        })
    }

    /// Requests the cassette had no answer for, `METHOD URL` each, in order.
    pub fn misses(&self) -> Vec<String> {
        self.misses.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// How many recorded interactions were never asked for.
    pub fn unused(&self) -> usize {
        self.slots
            .lock()
            .map(|s| s.iter().filter(|(_, used)| !used).count())
            .unwrap_or(0)
    }
}

/// What the http capability does with a cassette: record the exchanges of
/// a real scan, or answer every request from a cassette without a socket.
#[derive(Debug, Clone)]
pub enum Tape {
    Record(std::sync::Arc<Recorder>),
    Replay(std::sync::Arc<Replayer>),
}

impl Tape {
    /// The time the plugin's clock shows while the tape runs.
    pub fn clock_ms(&self) -> u64 {
        match self {
            Tape::Record(r) => r.started_ms(),
            Tape::Replay(r) => r.recorded_at_ms(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::http::SecretHeader;
    use crate::capabilities::network::section::Method;

    fn get(url: &str) -> OutboundRequest {
        OutboundRequest {
            method: Method::Get,
            url: url.into(),
            headers: vec![],
            secret_headers: vec![],
            body: None,
        }
    }

    fn answered(url: &str, body: &str) -> Interaction {
        interaction_of(
            &get(url),
            &Ok(InboundResponse {
                status: 200,
                headers: vec![],
                body: body.as_bytes().to_vec(),
                url: url.into(),
            }),
            &[],
            &|_| {},
        )
    }

    fn cassette(interactions: Vec<Interaction>) -> Cassette {
        Cassette {
            format: FORMAT.into(),
            plugin: "p".into(),
            version: "1.0.0".into(),
            recorded_at_ms: 7,
            settings: BTreeMap::new(),
            secrets: vec![],
            http_interactions: interactions,
        }
    }

    fn body_of(r: Option<Result<InboundResponse, HttpError>>) -> String {
        match r {
            Some(Ok(r)) => String::from_utf8_lossy(&r.body).into_owned(),
            other => format!("no answer: {other:?}"),
        }
    }

    #[test]
    fn repeated_identical_requests_replay_in_the_order_they_were_recorded() {
        let r = Replayer::new(&cassette(vec![
            answered("https://a.test/x?p=1", "first"),
            answered("https://a.test/y", "other"),
            answered("https://a.test/x?p=1", "second"),
        ]));
        let x = get("https://a.test/x?p=1");
        assert_eq!(body_of(r.answer(&x)), "first");
        assert_eq!(body_of(r.answer(&x)), "second");
        assert!(r.answer(&x).is_none(), "a third ask has no answer left");
        assert_eq!(r.misses(), vec!["GET https://a.test/x?p=1".to_string()]);
        assert_eq!(r.unused(), 1, "/y was never asked for");
    }

    #[test]
    fn the_method_the_query_and_a_body_must_match_too() {
        let mut post = get("https://a.test/x");
        post.method = Method::Post;
        post.body = Some(b"{\"q\":1}".to_vec());
        let recorded = interaction_of(
            &post,
            &Ok(InboundResponse {
                status: 201,
                headers: vec![],
                body: b"made".to_vec(),
                url: "https://a.test/x".into(),
            }),
            &[],
            &|_| {},
        );
        let r = Replayer::new(&cassette(vec![recorded]));
        assert!(r.answer(&get("https://a.test/x")).is_none(), "GET ≠ POST");
        assert!(r.answer(&get("https://a.test/x?y=1")).is_none());
        let mut other = post.clone();
        other.body = Some(b"{\"q\":2}".to_vec());
        assert!(r.answer(&other).is_none(), "another body");
        // Scheme and host case do not matter: both sides are parsed.
        post.url = "HTTPS://A.test/x".into();
        assert_eq!(body_of(r.answer(&post)), "made");
    }

    #[test]
    fn a_recorded_failure_replays_as_the_same_error() {
        let req = get("https://a.test/slow");
        let i = interaction_of(&req, &Err(HttpError::Timeout), &[], &|_| {});
        let r = Replayer::new(&cassette(vec![i]));
        assert!(matches!(r.answer(&req), Some(Err(HttpError::Timeout))));
    }

    #[test]
    fn credential_headers_and_secret_values_never_reach_the_cassette() {
        let secret = "s3cr3t-value";
        let token = "tok-abc";
        let scrub = |s: &mut String| {
            *s = s.replace(secret, "[redacted]").replace(token, "[redacted]");
        };
        let req = OutboundRequest {
            method: Method::Get,
            url: format!("https://a.test/u?sig={secret}"),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), format!("Bearer {token}")),
                ("X-Api-Key".into(), secret.into()),
                ("X-Custom-Cred".into(), secret.into()),
                ("X-Trace".into(), format!("t {secret}")),
            ],
            secret_headers: vec![SecretHeader {
                name: "X-Signed".into(),
                secret: "key".into(),
                prefix: String::new(),
            }],
            body: None,
        };
        let resp = InboundResponse {
            status: 200,
            headers: vec![
                ("Set-Cookie".into(), "sid=1".into()),
                ("X-Session-Id".into(), "abc".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: format!("{{\"echo\":\"{secret}\",\"t\":\"{token}\"}}").into_bytes(),
            url: "https://a.test/u".into(),
        };
        let i = interaction_of(&req, &Ok(resp), &["x-custom-cred".into()], &scrub);
        let text = serde_json::to_string(&cassette(vec![i])).unwrap_or_default();
        for word in [secret, token, "Authorization", "X-Api-Key", "X-Custom-Cred"] {
            assert!(!text.contains(word), "{word} in {text}");
        }
        for word in ["Set-Cookie", "X-Session-Id", "sid=1"] {
            assert!(!text.contains(word), "{word} in {text}");
        }
        for kept in ["Accept", "X-Trace", "t [redacted]", "Content-Type", "echo"] {
            assert!(text.contains(kept), "{kept} missing from {text}");
        }
        assert!(is_credential_header("X-Signed", &["x-signed".into()]));
    }

    #[test]
    fn a_binary_body_round_trips_through_base64() {
        let bytes = vec![0xff, 0x00, 0x80];
        let b = Body::of(&bytes);
        assert_eq!(b.encoding, "base64");
        assert_eq!(b.bytes(), bytes);
    }
}
