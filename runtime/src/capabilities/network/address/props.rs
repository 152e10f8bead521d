//! Property tests over the registry tables: random addresses inside every
//! refused block, and the same IPv4 addresses spelled every way an IPv6
//! address can carry them. The spellings are encoded here from the RFC
//! layouts, independently of the decoder in `embedded.rs`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::forbidden_reason;
use super::special::{self, Block};

/// Bits the encodings leave free (subnets, interface identifiers, Teredo
/// flags and port, the NAT64 u-octet, an ISATAP prefix).
#[derive(Debug, Clone, Copy)]
struct Noise {
    a: u16,
    b: u16,
    wide: u64,
    u: u8,
}

fn noise() -> impl Strategy<Value = Noise> {
    any::<(u16, u16, u64, u8)>().prop_map(|(a, b, wide, u)| Noise { a, b, wide, u })
}

/// A random IPv4 address outside every refused block.
fn public_v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>()
        .prop_map(Ipv4Addr::from_bits)
        .prop_filter("outside every block", |a| special::v4_block(*a).is_none())
}

fn inside_v4(block: &Block<Ipv4Addr>, bits: u32) -> Ipv4Addr {
    let host = u32::MAX.checked_shr(u32::from(block.len)).unwrap_or(0);
    Ipv4Addr::from_bits(block.net.to_bits() | (bits & host))
}

fn inside_v6(block: &Block<Ipv6Addr>, bits: u128) -> Ipv6Addr {
    let host = u128::MAX.checked_shr(u32::from(block.len)).unwrap_or(0);
    Ipv6Addr::from_bits(block.net.to_bits() | (bits & host))
}

fn segs(s: [u16; 8]) -> Ipv6Addr {
    Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
}

fn halves(x: Ipv4Addr) -> (u16, u16) {
    let bits = x.to_bits();
    ((bits >> 16) as u16, bits as u16)
}

/// An interface identifier that is not an ISATAP one (so a 6to4 spelling
/// carries exactly one IPv4 address).
fn plain_iid(n: Noise) -> [u16; 4] {
    let w = n.wide;
    let iid = [
        (w >> 48) as u16,
        (w >> 32) as u16,
        (w >> 16) as u16,
        w as u16,
    ];
    if iid[1] == 0x5efe {
        [iid[0], 0x5eff, iid[2], iid[3]]
    } else {
        iid
    }
}

/// `x` spelled in every embedded form, with `other` as the far Teredo
/// endpoint; each with the form's name.
fn spellings(x: Ipv4Addr, other: Ipv4Addr, n: Noise) -> Vec<(&'static str, Ipv6Addr)> {
    let (hi, lo) = halves(x);
    let (ohi, olo) = halves(other);
    let o = x.octets();
    let iid = plain_iid(n);
    let mut local = [0u8; 16];
    local[..6].copy_from_slice(&[0, 0x64, 0xff, 0x9b, 0, 1]);
    local[6..8].copy_from_slice(&o[..2]);
    local[8] = n.u;
    local[9..11].copy_from_slice(&o[2..]);
    // The suffix stays zero, as RFC 6052 requires; the u-octet is random.
    let isatap_prefix = 0x2400 | (n.a & 0x03ff);
    vec![
        ("mapped", x.to_ipv6_mapped()),
        ("compatible", Ipv6Addr::from_bits(u128::from(x.to_bits()))),
        ("translated", segs([0, 0, 0, 0, 0xffff, 0, hi, lo])),
        ("NAT64", segs([0x64, 0xff9b, 0, 0, 0, 0, hi, lo])),
        ("local-use NAT64", Ipv6Addr::from(local)),
        (
            "6to4",
            segs([0x2002, hi, lo, n.b, iid[0], iid[1], iid[2], iid[3]]),
        ),
        (
            "Teredo server",
            segs([0x2001, 0, hi, lo, n.a, n.b, !ohi, !olo]),
        ),
        (
            "Teredo client",
            segs([0x2001, 0, ohi, olo, n.a, n.b, !hi, !lo]),
        ),
        (
            "ISATAP",
            segs([isatap_prefix, n.b, 0, 1, 0, 0x5efe, hi, lo]),
        ),
        (
            "ISATAP (global)",
            segs([isatap_prefix, n.b, 0, 1, 0x200, 0x5efe, hi, lo]),
        ),
    ]
}

fn reason(ip: impl Into<IpAddr>) -> Option<&'static str> {
    forbidden_reason(ip.into())
}

proptest! {
    #[test]
    fn every_refused_ipv4_block_is_refused_in_every_spelling(
        bits in any::<u32>(),
        other in public_v4(),
        n in noise(),
    ) {
        for block in special::V4 {
            let x = inside_v4(block, bits);
            let why = reason(x);
            // The block's own reason, or that of a more specific block.
            let named = special::V4
                .iter()
                .any(|b| b.len >= block.len && special::v4_contains(b, x) && Some(b.why) == why);
            prop_assert!(named, "{x} in {}/{}: {why:?}", block.net, block.len);
            for (form, ip) in spellings(x, other, n) {
                let got = reason(ip);
                if form == "compatible" && x.to_bits() <= 1 {
                    // `::` and `::1`: unspecified and loopback themselves.
                    prop_assert!(got.is_some(), "{ip} ({form} {x}) allowed");
                } else if form == "local-use NAT64" {
                    // Refused whole, whatever it carries.
                    prop_assert_eq!(got, Some("local-use NAT64 (RFC 8215)"), "{}", ip);
                } else {
                    prop_assert_eq!(got, why, "{} ({} {})", ip, form, x);
                }
            }
        }
    }

    #[test]
    fn a_public_ipv4_address_is_allowed_where_the_network_delivers_to_it(
        x in public_v4(),
        other in public_v4(),
        n in noise(),
    ) {
        prop_assert_eq!(reason(x), None, "{}", x);
        for (form, ip) in spellings(x, other, n) {
            let want = match form {
                "mapped" | "NAT64" | "6to4" | "ISATAP" | "ISATAP (global)" => None,
                "local-use NAT64" => Some("local-use NAT64 (RFC 8215)"),
                "compatible" => Some("deprecated IPv4-compatible (RFC 4291)"),
                "translated" => Some("IPv4-translated (RFC 2765)"),
                _ => Some("Teredo (RFC 4380)"),
            };
            prop_assert_eq!(reason(ip), want, "{} ({} {})", ip, form, x);
        }
    }

    #[test]
    fn every_refused_ipv6_block_is_refused(bits in any::<u128>()) {
        for block in special::V6 {
            let ip = inside_v6(block, bits);
            prop_assert!(
                reason(ip).is_some(),
                "{ip} in {}/{} allowed",
                block.net,
                block.len
            );
        }
    }
}
