//! `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]`, checked strictly: the
//! parts become URL paths and store values.

use std::fmt;
use std::net::IpAddr;

use plugboard_core::text::quoted;

use super::OciError;

/// A parsed registry reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    /// HOST[:PORT].
    pub registry: String,
    /// The repository path (`vendor/zoom`).
    pub repository: String,
    /// The tag, if one was named.
    pub tag: Option<String>,
    /// The manifest digest (`sha256:…`), if one was named.
    pub digest: Option<String>,
}

/// The scheme every reference starts with.
pub const SCHEME: &str = "oci://";

fn bad(reference: &str, reason: impl Into<String>) -> OciError {
    OciError::BadReference {
        reference: quoted(reference),
        reason: reason.into(),
    }
}

/// `sha256:` and 64 lowercase hex digits.
pub fn is_sha256_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A tag as the distribution spec allows: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn is_tag(t: &str) -> bool {
    let mut bytes = t.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && t.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn is_repository(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 255
        && r.split('/').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
                && part
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
                && part
                    .bytes()
                    .last()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
        })
}

fn is_registry(h: &str) -> bool {
    let port_ok = |p: &str| p.parse::<u16>().is_ok_and(|n| n > 0);
    if let Some(rest) = h.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return false;
        };
        return ip.parse::<std::net::Ipv6Addr>().is_ok()
            && (after.is_empty() || after.strip_prefix(':').is_some_and(port_ok));
    }
    let (host, port) = match h.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (h, None),
    };
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        && port.is_none_or(port_ok)
}

impl OciRef {
    /// Parse `oci://HOST/REPO[:TAG][@sha256:HEX]`.
    pub fn parse(reference: &str) -> Result<Self, OciError> {
        let rest = reference
            .strip_prefix(SCHEME)
            .ok_or_else(|| bad(reference, "it does not start with oci://"))?;
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| bad(reference, "it names no repository"))?;
        if !is_registry(registry) {
            return Err(bad(reference, "the registry is not HOST[:PORT]"));
        }
        let (path, digest) = match path.split_once('@') {
            Some((p, d)) => {
                if !is_sha256_digest(d) {
                    return Err(bad(
                        reference,
                        "the digest is not sha256: and 64 lowercase hex digits",
                    ));
                }
                (p, Some(d.to_string()))
            }
            None => (path, None),
        };
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => {
                if !is_tag(t) {
                    return Err(bad(reference, "the tag is not a valid tag"));
                }
                (r, Some(t.to_string()))
            }
            _ => (path, None),
        };
        if !is_repository(repository) {
            return Err(bad(
                reference,
                "the repository is not lowercase letters, digits, '.', '_', '-' and '/'",
            ));
        }
        Ok(OciRef {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// `oci://HOST/REPO`, what upgrades look in.
    pub fn repository_url(&self) -> String {
        format!("{SCHEME}{}/{}", self.registry, self.repository)
    }

    /// The same repository at `tag`.
    pub fn with_tag(&self, tag: &str) -> OciRef {
        OciRef {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        }
    }

    /// The same repository at `digest`.
    pub fn with_digest(&self, digest: &str) -> OciRef {
        OciRef {
            digest: Some(digest.to_string()),
            ..self.clone()
        }
    }

    /// What the manifest endpoint is asked for: the digest when pinned, else the tag.
    pub fn manifest_key(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        let r = self.registry.as_str();
        if let Some(rest) = r.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        r.rsplit_once(':').map_or(r, |(h, _)| h)
    }

    /// The reference for `oci-client`.
    pub fn to_client(&self) -> oci_client::Reference {
        match (&self.tag, &self.digest) {
            (_, Some(d)) => oci_client::Reference::with_digest(
                self.registry.clone(),
                self.repository.clone(),
                d.clone(),
            ),
            (Some(t), None) => oci_client::Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                t.clone(),
            ),
            (None, None) => oci_client::Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                "latest".into(),
            ),
        }
    }
}

impl fmt::Display for OciRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether `host` (no brackets, no port) is this machine: `localhost` or a
/// loopback address.
pub(super) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_into_registry_repository_tag_and_digest() -> Result<(), OciError> {
        let d = format!("sha256:{}", "0a".repeat(32));
        let r = OciRef::parse("oci://127.0.0.1:5000/vendor/zoom:1.2.0")?;
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "vendor/zoom", Some("1.2.0"))
        );
        assert!(is_loopback_host(r.host()));
        let r = OciRef::parse(&format!("oci://ghcr.io/acme/zoom@{d}"))?;
        assert_eq!((r.tag, r.digest.as_deref()), (None, Some(d.as_str())));
        let r = OciRef::parse("oci://[::1]:5000/zoom")?;
        assert!(is_loopback_host(r.host()));
        assert_eq!(r.host(), "::1");
        assert!(!is_loopback_host(
            OciRef::parse("oci://registry.example/zoom")?.host()
        ));
        assert_eq!(
            OciRef::parse("oci://localhost:5000/a/b:t")?.to_string(),
            "oci://localhost:5000/a/b:t"
        );
        Ok(())
    }

    #[test]
    fn malformed_references_are_refused_naming_the_part() {
        for (bad, why) in [
            ("127.0.0.1:5000/zoom", "does not start with oci://"),
            ("oci://127.0.0.1:5000", "names no repository"),
            ("oci://host/Zoom", "the repository"),
            ("oci://host/../x", "the repository"),
            ("oci://host/zoom:bad tag", "the tag"),
            ("oci://host/zoom@sha256:abc", "the digest"),
            ("oci://ho st/zoom", "the registry"),
            ("oci://host:99999/zoom", "the registry"),
            ("oci://host/zoom?x=1", "the"),
        ] {
            let err = OciRef::parse(bad).err();
            assert!(
                matches!(&err, Some(e @ OciError::BadReference { .. }) if e.to_string().contains(why)
                    && e.blame() == plugboard_core::Blame::Operator),
                "{bad}: {err:?}"
            );
        }
    }
}
