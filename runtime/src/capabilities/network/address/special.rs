//! The IANA special-purpose address registries, as data.
//!
//! Transcribed without network access from the IANA IPv4 Special-Purpose
//! Address Registry (revision of 2020-09-04, unchanged since as far as we
//! know) and the IANA IPv6 Special-Purpose Address Registry (the revision
//! that lists 100:0:0:1::/64, RFC 9780, 2025), plus the blocks the
//! registries leave to other documents: IPv4 multicast, IPv6 multicast,
//! deprecated site-local and IPv4-compatible space, and the cloud metadata
//! addresses. Every block here is refused; a more specific block names the
//! reason (longest prefix wins).
//!
//! Three IPv6 registry entries are not here because they are judged by the
//! IPv4 address they carry (see `embedded`): IPv4-mapped ::ffff:0:0/96,
//! NAT64 64:ff9b::/96 and 6to4 2002::/16. Local-use NAT64 64:ff9b:1::/48 is
//! refused outright: the operator may carve a /48, /56, /64 or /96 prefix
//! from it, each placing the IPv4 address elsewhere, so the address alone
//! cannot say where it goes (an operator who runs one routes to it with
//! `--upstream`).

use std::net::{Ipv4Addr, Ipv6Addr};

/// One refused block: every address whose first `len` bits are `net`'s.
#[derive(Debug, Clone, Copy)]
pub(super) struct Block<A> {
    /// Network address (no bits set past `len`; a unit test checks).
    pub net: A,
    /// Prefix length.
    pub len: u8,
    /// A noun phrase naming the block, for "… is a {why} address".
    pub why: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8, why: &'static str) -> Block<Ipv4Addr> {
    Block {
        net: Ipv4Addr::new(a, b, c, d),
        len,
        why,
    }
}

const fn v6(s: [u16; 8], len: u8, why: &'static str) -> Block<Ipv6Addr> {
    Block {
        net: Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        len,
        why,
    }
}

/// Cloud metadata services (AWS, Azure, GCP, Oracle; Alibaba; AWS IPv6).
pub(super) const CLOUD_METADATA: &str = "cloud metadata";

/// IPv4 blocks refused.
pub(super) const V4: &[Block<Ipv4Addr>] = &[
    v4(0, 0, 0, 0, 8, "this-network (RFC 791)"),
    v4(0, 0, 0, 0, 32, "unspecified (RFC 1122)"),
    v4(10, 0, 0, 0, 8, "private-use (RFC 1918)"),
    v4(100, 64, 0, 0, 10, "shared carrier-grade NAT (RFC 6598)"),
    v4(100, 100, 100, 200, 32, CLOUD_METADATA),
    v4(127, 0, 0, 0, 8, "loopback (RFC 1122)"),
    v4(169, 254, 0, 0, 16, "link-local (RFC 3927)"),
    v4(169, 254, 169, 254, 32, CLOUD_METADATA),
    v4(172, 16, 0, 0, 12, "private-use (RFC 1918)"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignment (RFC 6890)"),
    v4(192, 0, 0, 0, 29, "IPv4 service continuity (RFC 7335)"),
    v4(192, 0, 0, 8, 32, "IPv4 dummy (RFC 7600)"),
    v4(192, 0, 0, 9, 32, "Port Control Protocol anycast (RFC 7723)"),
    v4(192, 0, 0, 10, 32, "TURN anycast (RFC 8155)"),
    v4(192, 0, 0, 170, 32, "NAT64/DNS64 discovery (RFC 7050)"),
    v4(192, 0, 0, 171, 32, "NAT64/DNS64 discovery (RFC 7050)"),
    v4(192, 0, 2, 0, 24, "documentation (RFC 5737)"),
    v4(192, 31, 196, 0, 24, "AS112 (RFC 7535)"),
    v4(192, 52, 193, 0, 24, "AMT (RFC 7450)"),
    v4(
        192,
        88,
        99,
        0,
        24,
        "deprecated 6to4 relay anycast (RFC 7526)",
    ),
    v4(192, 168, 0, 0, 16, "private-use (RFC 1918)"),
    v4(192, 175, 48, 0, 24, "AS112 direct delegation (RFC 7534)"),
    v4(198, 18, 0, 0, 15, "benchmarking (RFC 2544)"),
    v4(198, 51, 100, 0, 24, "documentation (RFC 5737)"),
    v4(203, 0, 113, 0, 24, "documentation (RFC 5737)"),
    v4(224, 0, 0, 0, 4, "multicast (RFC 5771)"),
    v4(240, 0, 0, 0, 4, "reserved (RFC 1112)"),
    v4(255, 255, 255, 255, 32, "limited broadcast (RFC 919)"),
];

/// IPv6 blocks refused.
pub(super) const V6: &[Block<Ipv6Addr>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified (RFC 4291)"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback (RFC 4291)"),
    v6(
        [0, 0, 0, 0, 0, 0, 0, 0],
        96,
        "deprecated IPv4-compatible (RFC 4291)",
    ),
    v6(
        [0, 0, 0, 0, 0xffff, 0, 0, 0],
        96,
        "IPv4-translated (RFC 2765)",
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use NAT64 (RFC 8215)",
    ),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only (RFC 6666)"),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64, "dummy IPv6 (RFC 9780)"),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignment (RFC 2928)",
    ),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo (RFC 4380)"),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 1],
        128,
        "Port Control Protocol anycast (RFC 7723)",
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 2],
        128,
        "TURN anycast (RFC 8155)",
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 3],
        128,
        "DNS-SD service registration anycast (RFC 9665)",
    ),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, "benchmarking (RFC 5180)"),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, "AMT (RFC 7450)"),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48, "AS112 (RFC 7535)"),
    v6(
        [0x2001, 0x10, 0, 0, 0, 0, 0, 0],
        28,
        "deprecated ORCHID (RFC 4843)",
    ),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, "ORCHIDv2 (RFC 7343)"),
    v6(
        [0x2001, 0x30, 0, 0, 0, 0, 0, 0],
        28,
        "drone remote ID (RFC 9374)",
    ),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "documentation (RFC 3849)",
    ),
    v6(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "AS112 direct delegation (RFC 7534)",
    ),
    v6(
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "documentation (RFC 9637)",
    ),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "SRv6 segment identifier (RFC 9602)",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local (RFC 4193)"),
    v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128, CLOUD_METADATA),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local (RFC 4291)"),
    v6(
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "deprecated site-local (RFC 3879)",
    ),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast (RFC 4291)"),
];

/// Why an IPv6 address outside every block and outside 2000::/3 is refused:
/// IANA allocates global unicast only from 2000::/3 (RFC 4291), so nothing
/// public lives elsewhere, while networks do route unallocated space inside.
pub(super) const NOT_GLOBAL_UNICAST: &str = "reserved (outside global unicast 2000::/3, RFC 4291)";

/// Whether the first `len` bits of `addr` and `net` agree; both are `width`
/// bits wide, left-aligned at bit `width - 1`.
fn within(addr: u128, net: u128, len: u8, width: u32) -> bool {
    let shift = width - u32::from(len).min(width);
    addr.checked_shr(shift).unwrap_or(0) == net.checked_shr(shift).unwrap_or(0)
}

/// Whether `ip` is inside `block`.
pub(super) fn v4_contains(block: &Block<Ipv4Addr>, ip: Ipv4Addr) -> bool {
    within(
        u128::from(ip.to_bits()),
        u128::from(block.net.to_bits()),
        block.len,
        32,
    )
}

/// Whether `ip` is inside `block`.
pub(super) fn v6_contains(block: &Block<Ipv6Addr>, ip: Ipv6Addr) -> bool {
    within(ip.to_bits(), block.net.to_bits(), block.len, 128)
}

/// The most specific IPv4 block holding `ip`, if any.
pub(super) fn v4_block(ip: Ipv4Addr) -> Option<&'static Block<Ipv4Addr>> {
    V4.iter()
        .filter(|b| v4_contains(b, ip))
        .max_by_key(|b| b.len)
}

/// The most specific IPv6 block holding `ip`, if any.
pub(super) fn v6_block(ip: Ipv6Addr) -> Option<&'static Block<Ipv6Addr>> {
    V6.iter()
        .filter(|b| v6_contains(b, ip))
        .max_by_key(|b| b.len)
}

/// Whether `ip` is in 2000::/3.
pub(super) fn global_unicast(ip: Ipv6Addr) -> bool {
    ip.segments()[0] & 0xe000 == 0x2000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<A: std::str::FromStr>(text: &str) -> A
    where
        A::Err: std::fmt::Display,
    {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_block_is_written_as_its_network_address() {
        for b in V4 {
            let host_bits = u32::MAX.checked_shr(u32::from(b.len)).unwrap_or(0);
            assert!(b.len <= 32, "{}/{}", b.net, b.len);
            assert_eq!(b.net.to_bits() & host_bits, 0, "{}/{}", b.net, b.len);
        }
        for b in V6 {
            let host_bits = u128::MAX.checked_shr(u32::from(b.len)).unwrap_or(0);
            assert!(b.len <= 128, "{}/{}", b.net, b.len);
            assert_eq!(b.net.to_bits() & host_bits, 0, "{}/{}", b.net, b.len);
        }
    }

    #[test]
    fn no_two_blocks_of_the_same_length_overlap() {
        // Otherwise the longest match would pick one of them arbitrarily.
        for (i, a) in V4.iter().enumerate() {
            for b in &V4[i + 1..] {
                assert!(
                    a.len != b.len || a.net != b.net,
                    "{}/{} twice",
                    a.net,
                    a.len
                );
            }
        }
        for (i, a) in V6.iter().enumerate() {
            for b in &V6[i + 1..] {
                assert!(
                    a.len != b.len || a.net != b.net,
                    "{}/{} twice",
                    a.net,
                    a.len
                );
            }
        }
    }

    #[test]
    fn prefix_matching_covers_the_edges_of_a_block() {
        let cases: &[(&str, u8, &str, bool)] = &[
            ("198.18.0.0", 15, "198.19.255.255", true),
            ("198.18.0.0", 15, "198.20.0.0", false),
            ("198.18.0.0", 15, "198.17.255.255", false),
            ("255.255.255.255", 32, "255.255.255.255", true),
            ("255.255.255.255", 32, "255.255.255.254", false),
            ("0.0.0.0", 0, "1.2.3.4", true),
        ];
        for (net, len, ip, want) in cases {
            let block = Block {
                net: parse(net),
                len: *len,
                why: "",
            };
            assert_eq!(v4_contains(&block, parse(ip)), *want, "{ip} in {net}/{len}");
        }
        let block = Block {
            net: parse("fc00::"),
            len: 7,
            why: "",
        };
        for (ip, want) in [("fdff:ffff::1", true), ("fe00::", false), ("fbff::", false)] {
            assert_eq!(v6_contains(&block, parse(ip)), want, "{ip} in fc00::/7");
        }
    }
}
