//! Address policy: which IP addresses a plugin's request (or a token
//! request of its auth profiles) may reach.
//!
//! Threat: a permitted *name* can resolve (or be pointed, by DNS rebinding)
//! at loopback, the private network, the cloud metadata service or any other
//! special-purpose address, turning a connector into a probe of the host's
//! own network; and an IPv6 address can carry such an IPv4 address inside
//! it (NAT64, 6to4, Teredo, ISATAP, mapped and compatible forms).
//!
//! Decision: after the egress grant allows a URL, every address its host is
//! (an IP literal) or resolves to is judged here. Refused are every block of
//! the IANA IPv4 and IPv6 special-purpose address registries, IPv4 and IPv6
//! multicast, deprecated IPv6 site-local and IPv4-compatible space, IPv6
//! outside global unicast 2000::/3, and the cloud metadata addresses
//! (`special.rs` lists them). No SaaS API is served from any of them, so the
//! policy refuses whole blocks rather than guessing which parts are
//! harmless. An IPv6 address carrying IPv4 addresses (`embedded.rs`) is
//! refused when any of them is; IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4
//! addresses are otherwise allowed, because the
//! network delivers them to that public IPv4 address (an IPv6-only host
//! behind DNS64 reaches every API this way). The operator's upstream routes
//! (`--upstream ORIGIN=URL`) are the explicit exception: the simulators and
//! local proxies they name are allowed.

mod embedded;
mod resolver;
mod special;

#[cfg(test)]
mod props;
#[cfg(test)]
mod table_tests;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use resolver::PolicyResolver;

/// Why an address is refused (a noun phrase naming its registry block, for
/// "… is a {why} address"), or `None` when plugins may reach it.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    special::v4_block(ip).map(|b| b.why)
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let carried = embedded::embedded(ip);
    // An embedded address names where the packet really goes, so its
    // reason is the one an operator needs (`::ffff:127.0.0.1` is loopback).
    if let Some(why) = carried.addrs().find_map(v4_reason) {
        return Some(why);
    }
    if carried.form.is_some_and(embedded::Form::delivers_to_v4) {
        return None;
    }
    match special::v6_block(ip) {
        Some(b) => Some(b.why),
        None if !special::global_unicast(ip) => Some(special::NOT_GLOBAL_UNICAST),
        None => None,
    }
}
