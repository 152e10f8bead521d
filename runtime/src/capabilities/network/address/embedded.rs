//! IPv4 addresses carried inside IPv6 addresses.
//!
//! Threat: `64:ff9b::a9fe:a9fe` is the metadata service seen through a NAT64
//! gateway, `2002:7f00:1::` is loopback seen through 6to4, and an ISATAP
//! node sends `…:0:5efe:10.0.0.1` straight to 10.0.0.1 over IPv4. A policy
//! that reads only the IPv6 prefix lets these through. Decision: every
//! IPv4 address an IPv6 address may carry is decoded here and judged as
//! IPv4; the IPv6 address is refused when any of them is.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A translation or tunnelling prefix that places an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// `::ffff:a.b.c.d` (RFC 4291): the socket talks IPv4 to a.b.c.d.
    Mapped,
    /// `::a.b.c.d` (RFC 4291, deprecated), except `::` and `::1`.
    Compatible,
    /// `::ffff:0:a.b.c.d` (RFC 2765, obsolete SIIT).
    Translated,
    /// `64:ff9b::a.b.c.d` (RFC 6052): a NAT64 gateway talks IPv4 to a.b.c.d.
    Nat64,
    /// `2002:AABB:CCDD::/48` (RFC 3056): a 6to4 relay tunnels to AA.BB.CC.DD.
    SixToFour,
    /// `2001:0:SSSS:SSSS:flags:port:~CCCC:~CCCC` (RFC 4380): server and
    /// (bitwise inverted) client.
    Teredo,
}

impl Form {
    /// Whether the network delivers the packet to the embedded IPv4 address
    /// and nowhere else, so the address is judged by that IPv4 address
    /// alone (a DNS64/NAT64 network reaches public APIs this way). The
    /// other forms are refused even when their IPv4 addresses are public.
    pub(super) fn delivers_to_v4(self) -> bool {
        matches!(self, Form::Mapped | Form::Nat64 | Form::SixToFour)
    }
}

/// The IPv4 addresses an IPv6 address carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Embedded {
    /// The prefix form, if the address has one.
    pub form: Option<Form>,
    /// Up to four addresses from the form (Teredo has two, local-use NAT64
    /// one per layout) and one from an ISATAP interface identifier.
    addrs: [Option<Ipv4Addr>; 5],
}

impl Embedded {
    /// Every embedded IPv4 address.
    pub(super) fn addrs(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.addrs.iter().flatten().copied()
    }
}

fn v4(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::from_bits((u32::from(hi) << 16) | u32::from(lo))
}

/// The prefix form of `ip` and the IPv4 address(es) it places.
fn form(ip: Ipv6Addr) -> Option<(Form, [Option<Ipv4Addr>; 4])> {
    let s = ip.segments();
    let low = v4(s[6], s[7]);
    let one = |f: Form, a: Ipv4Addr| Some((f, [Some(a), None, None, None]));
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] => one(Form::Mapped, low),
        // `::` and `::1` are the unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, 0, 0..=1] => None,
        [0, 0, 0, 0, 0, 0, ..] => one(Form::Compatible, low),
        [0, 0, 0, 0, 0xffff, 0, ..] => one(Form::Translated, low),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => one(Form::Nat64, low),
        // Local-use NAT64 (64:ff9b:1::/48, RFC 8215) is not decoded: its
        // layout is the operator's choice, so the special-purpose table
        // refuses it whole.
        [0x2002, hi, lo, ..] => one(Form::SixToFour, v4(hi, lo)),
        [0x2001, 0, hi, lo, ..] => Some((
            Form::Teredo,
            [Some(v4(hi, lo)), Some(v4(!s[6], !s[7])), None, None],
        )),
        _ => None,
    }
}

/// The IPv4 address in an ISATAP interface identifier (RFC 5214:
/// `0000:5efe` or, for a globally unique IPv4 address, `0200:5efe`, then
/// the IPv4 address), whatever the prefix.
fn isatap(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    (matches!(s[4], 0 | 0x200) && s[5] == 0x5efe).then(|| v4(s[6], s[7]))
}

/// Decode every IPv4 address `ip` carries.
pub(super) fn embedded(ip: Ipv6Addr) -> Embedded {
    let (form, [a, b, c, d]) = match form(ip) {
        Some((f, addrs)) => (Some(f), addrs),
        None => (None, [None; 4]),
    };
    Embedded {
        form,
        addrs: [a, b, c, d, isatap(ip)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip6(text: &str) -> Ipv6Addr {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn each_form_places_its_ipv4_addresses_where_its_rfc_says() {
        let cases: &[(&str, Option<Form>, &[&str])] = &[
            ("::ffff:10.1.2.3", Some(Form::Mapped), &["10.1.2.3"]),
            ("::10.1.2.3", Some(Form::Compatible), &["10.1.2.3"]),
            ("::", None, &[]),
            ("::1", None, &[]),
            ("::2", Some(Form::Compatible), &["0.0.0.2"]),
            ("::ffff:0:10.1.2.3", Some(Form::Translated), &["10.1.2.3"]),
            ("64:ff9b::10.1.2.3", Some(Form::Nat64), &["10.1.2.3"]),
            // RFC 6052 §2.4's /48 example: 192.0.2.33 in 2001:db8:122::/48
            // is 2001:db8:122:c000:2:2100::; the same layout under
            // 64:ff9b:1::/48.
            ("64:ff9b:1:c000:2:2100::", None, &[]),
            ("2002:a01:203::1", Some(Form::SixToFour), &["10.1.2.3"]),
            // RFC 4380 §4's example: server 65.54.227.120, client
            // 192.0.2.45 (obfuscated 3fff:fdd2), port 40000.
            (
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                Some(Form::Teredo),
                &["65.54.227.120", "192.0.2.45"],
            ),
            ("fe80::5efe:10.1.2.3", None, &["10.1.2.3"]),
            ("2a00:1450::200:5efe:10.1.2.3", None, &["10.1.2.3"]),
            ("2a00:1450::100:5efe:10.1.2.3", None, &[]),
            (
                "2002:808:808:1:0:5efe:10.1.2.3",
                Some(Form::SixToFour),
                &["8.8.8.8", "10.1.2.3"],
            ),
            ("2606:4700::1111", None, &[]),
            ("64:ff9b:2::10.1.2.3", None, &[]),
            ("2001:1::10.1.2.3", None, &[]),
        ];
        for (text, want_form, want_addrs) in cases {
            let got = embedded(ip6(text));
            let addrs: Vec<String> = got.addrs().map(|a| a.to_string()).collect();
            assert_eq!(got.form, *want_form, "{text}");
            assert_eq!(addrs, *want_addrs, "{text}");
        }
    }
}
