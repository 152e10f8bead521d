//! Address policy: which resolved IP addresses a plugin's request may reach.
//!
//! Threat: a permitted *name* can resolve (or be pointed, by DNS rebinding) at
//! loopback, the private network or the cloud metadata service, turning a
//! connector into a probe of the host's own network. Decision: after the
//! egress grant allows the name, every address it resolves to is judged here,
//! and loopback, private, link-local, unique-local, unspecified, multicast and
//! metadata addresses are refused. The operator's upstream routes
//! (`--upstream ORIGIN=URL`) are the explicit exception: the simulators and
//! local proxies they name are allowed.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Why an address is refused, or `None` when it is public.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    // IPv4-mapped and IPv4-compatible IPv6 spellings are judged as the IPv4
    // address they carry; otherwise `::ffff:127.0.0.1` would slip through.
    let ip = match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("unspecified")
    } else if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        Some("cloud metadata")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) {
        Some("private")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("multicast or reserved")
    } else {
        None
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if seg == [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] {
        Some("cloud metadata")
    } else if (seg[0] & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if (seg[0] & 0xfe00) == 0xfc00 {
        Some("unique-local")
    } else if ip.is_multicast() {
        Some("multicast or reserved")
    } else if seg[0..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated) `::a.b.c.d`: judge the embedded address.
        let v4 = Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        );
        v4_reason(v4)
    } else {
        None
    }
}

/// A DNS resolver for plugin traffic that drops forbidden addresses, except
/// for host names the operator routed to.
#[derive(Debug, Clone, Default)]
pub struct PolicyResolver {
    allowed_hosts: Arc<BTreeSet<String>>,
}

impl PolicyResolver {
    /// A resolver that lets `allowed_hosts` (operator route targets) resolve
    /// to any address.
    pub fn new(allowed_hosts: BTreeSet<String>) -> Self {
        PolicyResolver {
            allowed_hosts: Arc::new(allowed_hosts),
        }
    }
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let trusted = self.allowed_hosts.contains(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| trusted || forbidden_reason(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                let why = addrs
                    .first()
                    .and_then(|a| forbidden_reason(a.ip()))
                    .unwrap_or("no address");
                return Err(format!("{host} resolves only to refused addresses ({why})").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_in_every_spelling() {
        let cases: &[(&str, Option<&str>)] = &[
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("::1", Some("loopback")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::127.0.0.1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("::ffff:192.168.1.1", Some("private")),
            ("100.64.0.1", Some("private")),
            ("169.254.169.254", Some("cloud metadata")),
            ("::ffff:169.254.169.254", Some("cloud metadata")),
            ("fd00:ec2::254", Some("cloud metadata")),
            ("169.254.1.1", Some("link-local")),
            ("fe80::1", Some("link-local")),
            ("fc00::1", Some("unique-local")),
            ("fd12:3456::1", Some("unique-local")),
            ("0.0.0.0", Some("unspecified")),
            ("::", Some("unspecified")),
            ("224.0.0.1", Some("multicast or reserved")),
            ("255.255.255.255", Some("multicast or reserved")),
            ("8.8.8.8", None),
            ("170.114.52.2", None),
            ("2606:4700::1111", None),
        ];
        for (text, want) in cases {
            let ip: IpAddr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(forbidden_reason(ip), *want, "{text}");
        }
    }
}
