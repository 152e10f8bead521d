//! The `--database` URL: what to connect to, and how to show it without its
//! password.

use std::str::FromStr;

use tokio_postgres::Config;
use tokio_postgres::config::{Host, SslMode};

use crate::store::StoreError;

/// A parsed `postgres://` URL.
pub(crate) struct Target {
    /// What to connect to (holds the password; never printed).
    pub config: Config,
    /// `postgres://user@host:port/name`, for messages.
    pub label: String,
}

impl Target {
    /// Parse `url`; refuses anything but a `postgres://` or `postgresql://`
    /// URL, and TLS modes this build cannot honour.
    pub fn parse(url: &str) -> Result<Target, StoreError> {
        let shown = without_password(url);
        let bad = |reason: String| StoreError::BadDatabaseUrl {
            shown: shown.clone(),
            reason,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad(
                "only postgres:// and postgresql:// URLs are supported".into()
            ));
        }
        let config = Config::from_str(url).map_err(|e| bad(scrub(&e.to_string(), url)))?;
        if matches!(config.get_ssl_mode(), SslMode::Require) {
            return Err(bad(
                "sslmode=require is not supported yet (this build speaks plain TCP): reach the \
                 database over loopback, a private network or a local TLS proxy"
                    .into(),
            ));
        }
        if config.get_hosts().is_empty() {
            return Err(bad("it names no host".into()));
        }
        let label = label(&config);
        Ok(Target { config, label })
    }
}

/// `postgres://user@host:port/name` of a parsed config.
fn label(config: &Config) -> String {
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect();
    let name = config.get_dbname().or(config.get_user()).unwrap_or("");
    format!("postgres://{user}{}/{name}", hosts.join(","))
}

/// `url` with the password of its user-info part removed, for messages about
/// a URL that may not even parse.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            // Query parameters may carry a password too (`?password=`).
            let tail = tail.split_once('?').map_or(tail, |(path, _)| path);
            format!("{scheme}://{user}@{hosts}{tail}")
        }
        None => {
            let tail = tail.split_once('?').map_or(tail, |(path, _)| path);
            format!("{scheme}://{authority}{tail}")
        }
    }
}

/// `message` with any password-looking part of `url` replaced.
fn scrub(message: &str, url: &str) -> String {
    let mut out = message.to_string();
    for secret in secrets_in(url) {
        if !secret.is_empty() {
            out = out.replace(&secret, "[redacted]");
        }
    }
    out
}

/// The password of `url`'s user-info and of a `password=` parameter.
fn secrets_in(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
        {
            found.push(password.to_string());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some(("password", value)) = pair.split_once('=') {
                found.push(value.to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_never_shows_the_password() {
        let cases = [
            (
                "postgres://pb:hunter2@db.example:5433/plugboard",
                "postgres://pb@db.example:5433/plugboard",
            ),
            (
                "postgresql://pb:hunter2@127.0.0.1/pb?sslmode=disable",
                "postgres://pb@127.0.0.1:5432/pb",
            ),
            (
                "postgres://pb@localhost/pb?password=hunter2",
                "postgres://pb@localhost:5432/pb",
            ),
        ];
        for (url, want) in cases {
            let target = Target::parse(url).map_err(|e| e.to_string());
            let label = target.map(|t| t.label);
            assert_eq!(label.as_deref(), Ok(want), "case {url}");
        }
    }

    #[test]
    fn a_bad_url_is_refused_without_echoing_its_password() {
        let cases = [
            "mysql://pb:hunter2@db/pb",
            "postgres://pb:hunter2@db:notaport/pb",
            "postgres://pb:hunter2@db/pb?sslmode=require",
            "postgres://pb:hunter2@db/pb?nosuchoption=1",
            "postgres://pb@db/pb?password=hunter2&sslmode=bogus",
            "hunter2",
        ];
        for url in cases {
            let Err(err) = Target::parse(url) else {
                panic!("case {url}: accepted");
            };
            let text = err.to_string();
            assert!(
                matches!(err, StoreError::BadDatabaseUrl { .. }),
                "case {url}: {err:?}"
            );
            assert!(!text.contains("hunter2"), "case {url}: {text}");
            assert!(
                !format!("{err:?}").contains("hunter2"),
                "case {url}: {err:?}"
            );
            assert!(text.contains("postgres://USER"), "case {url}: {text}");
        }
    }
}
