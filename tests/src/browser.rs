//! A test acting as the operator's browser in a consent flow: open the
//! authorize URL, submit the simulator's consent form, and read where the
//! simulator sends the browser next (the app's redirect URI with a code, a
//! tenant or an error).

use std::time::Duration;

/// What the operator clicks on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// "Allow".
    Allow,
    /// "Decline".
    Deny,
}

/// Why the browser could not get through the consent page.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// A request failed.
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The authorize URL did not serve a consent form.
    #[error("the authorize URL answered HTTP {status}: {body}")]
    NoForm {
        /// HTTP status.
        status: u16,
        /// The page.
        body: String,
    },
    /// Submitting the form did not redirect.
    #[error("the consent form answered HTTP {status} without a redirect: {body}")]
    NoRedirect {
        /// HTTP status.
        status: u16,
        /// The page.
        body: String,
    },
}

fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
}

/// The value of `attr="…"` in the first tag of `html` that contains `marker`.
fn attribute(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html.get(..at)?.rfind('<')?;
    let end = at + html.get(at..)?.find('>')?;
    let tag = html.get(start..end)?;
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    let len = tag.get(from..)?.find('"')?;
    Some(tag.get(from..from + len)?.replace("&amp;", "&"))
}

/// `pairs` as an `application/x-www-form-urlencoded` body (for tests that
/// post to a token endpoint as a client would).
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Opens `authorize_url`, submits its consent form with `decision`, and
/// returns the `Location` the simulator redirects to (not followed).
pub async fn consent(authorize_url: &str, decision: Decision) -> Result<String, BrowserError> {
    let http = client()?;
    let page = http.get(authorize_url).send().await?;
    let status = page.status().as_u16();
    let base = page.url().clone();
    let html = page.text().await?;
    let form = attribute(&html, "<form", "action")
        .or_else(|| attribute(&html, "method=\"post\"", "action"));
    let id = attribute(&html, "name=\"consent\"", "value");
    let (Some(action), Some(id)) = (form, id) else {
        return Err(BrowserError::NoForm { status, body: html });
    };
    let target = base.join(&action).map_err(|_| BrowserError::NoForm {
        status,
        body: html.clone(),
    })?;
    let choice = match decision {
        Decision::Allow => "allow",
        Decision::Deny => "deny",
    };
    let body = format!("consent={}&decision={choice}", form_encode(&id));
    let answer = http
        .post(target)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await?;
    let status = answer.status().as_u16();
    match answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
    {
        Some(location) if (300..400).contains(&status) => Ok(location.to_owned()),
        _ => Err(BrowserError::NoRedirect {
            status,
            body: answer.text().await.unwrap_or_default(),
        }),
    }
}

/// Follows a redirect `location` (the app's callback) like a browser: one
/// GET; returns the status and the page.
pub async fn follow(location: &str) -> Result<(u16, String), BrowserError> {
    let answer = client()?.get(location).send().await?;
    let status = answer.status().as_u16();
    Ok((status, answer.text().await?))
}
