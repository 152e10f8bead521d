//! One case per registry entry and per embedded form, with the reason an
//! operator reads.

use std::net::IpAddr;

use super::forbidden_reason;

const LOOPBACK: Option<&str> = Some("loopback (RFC 1122)");
const PRIVATE: Option<&str> = Some("private-use (RFC 1918)");
const METADATA: Option<&str> = Some("cloud metadata");
const DOCUMENTATION_V4: Option<&str> = Some("documentation (RFC 5737)");
const PUBLIC: Option<&str> = None;
const LOCAL_NAT64: Option<&str> = Some("local-use NAT64 (RFC 8215)");

fn check(cases: &[(&str, Option<&str>)]) {
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let ip: IpAddr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let got = forbidden_reason(ip);
        if got != *want {
            wrong.push(format!("{text}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn internal_addresses_are_refused_in_every_spelling() {
    check(&[
        ("127.0.0.1", LOOPBACK),
        ("127.8.9.10", LOOPBACK),
        ("::1", Some("loopback (RFC 4291)")),
        ("::ffff:127.0.0.1", LOOPBACK),
        ("::127.0.0.1", LOOPBACK),
        ("10.1.2.3", PRIVATE),
        ("172.16.0.1", PRIVATE),
        ("192.168.1.1", PRIVATE),
        ("::ffff:192.168.1.1", PRIVATE),
        ("100.64.0.1", Some("shared carrier-grade NAT (RFC 6598)")),
        ("169.254.169.254", METADATA),
        ("::ffff:169.254.169.254", METADATA),
        ("fd00:ec2::254", METADATA),
        ("169.254.1.1", Some("link-local (RFC 3927)")),
        ("fe80::1", Some("link-local (RFC 4291)")),
        ("fc00::1", Some("unique-local (RFC 4193)")),
        ("fd12:3456::1", Some("unique-local (RFC 4193)")),
        ("0.0.0.0", Some("unspecified (RFC 1122)")),
        ("::", Some("unspecified (RFC 4291)")),
        ("224.0.0.1", Some("multicast (RFC 5771)")),
        ("255.255.255.255", Some("limited broadcast (RFC 919)")),
        ("8.8.8.8", PUBLIC),
        ("170.114.52.2", PUBLIC),
        ("2606:4700::1111", PUBLIC),
    ]);
}

#[test]
fn every_ipv4_registry_entry_is_refused_with_its_name() {
    check(&[
        ("0.1.2.3", Some("this-network (RFC 791)")),
        ("0.0.0.0", Some("unspecified (RFC 1122)")),
        ("10.255.255.255", PRIVATE),
        (
            "100.127.255.255",
            Some("shared carrier-grade NAT (RFC 6598)"),
        ),
        ("100.128.0.0", PUBLIC),
        ("100.63.255.255", PUBLIC),
        ("100.100.100.200", METADATA),
        ("127.255.255.255", LOOPBACK),
        ("169.254.0.1", Some("link-local (RFC 3927)")),
        ("169.254.169.254", METADATA),
        ("172.31.255.255", PRIVATE),
        ("172.32.0.0", PUBLIC),
        ("192.0.0.200", Some("IETF protocol assignment (RFC 6890)")),
        ("192.0.0.7", Some("IPv4 service continuity (RFC 7335)")),
        ("192.0.0.8", Some("IPv4 dummy (RFC 7600)")),
        (
            "192.0.0.9",
            Some("Port Control Protocol anycast (RFC 7723)"),
        ),
        ("192.0.0.10", Some("TURN anycast (RFC 8155)")),
        ("192.0.0.170", Some("NAT64/DNS64 discovery (RFC 7050)")),
        ("192.0.0.171", Some("NAT64/DNS64 discovery (RFC 7050)")),
        ("192.0.2.1", DOCUMENTATION_V4),
        ("192.31.196.1", Some("AS112 (RFC 7535)")),
        ("192.52.193.1", Some("AMT (RFC 7450)")),
        (
            "192.88.99.1",
            Some("deprecated 6to4 relay anycast (RFC 7526)"),
        ),
        ("192.168.255.255", PRIVATE),
        ("192.175.48.1", Some("AS112 direct delegation (RFC 7534)")),
        ("198.18.0.1", Some("benchmarking (RFC 2544)")),
        ("198.19.255.255", Some("benchmarking (RFC 2544)")),
        ("198.20.0.0", PUBLIC),
        ("198.51.100.1", DOCUMENTATION_V4),
        ("203.0.113.1", DOCUMENTATION_V4),
        ("224.0.0.251", Some("multicast (RFC 5771)")),
        ("239.255.255.255", Some("multicast (RFC 5771)")),
        ("240.0.0.1", Some("reserved (RFC 1112)")),
        ("255.255.255.254", Some("reserved (RFC 1112)")),
        ("255.255.255.255", Some("limited broadcast (RFC 919)")),
        ("1.1.1.1", PUBLIC),
        ("223.255.255.255", PUBLIC),
    ]);
}

#[test]
fn every_ipv6_registry_entry_is_refused_with_its_name() {
    check(&[
        ("::", Some("unspecified (RFC 4291)")),
        ("::1", Some("loopback (RFC 4291)")),
        ("::8.8.8.8", Some("deprecated IPv4-compatible (RFC 4291)")),
        ("::ffff:0:8.8.8.8", Some("IPv4-translated (RFC 2765)")),
        ("100::1", Some("discard-only (RFC 6666)")),
        ("100::ffff:ffff:ffff:ffff", Some("discard-only (RFC 6666)")),
        ("100:0:0:1::1", Some("dummy IPv6 (RFC 9780)")),
        ("2001:100::1", Some("IETF protocol assignment (RFC 2928)")),
        (
            "2001:1ff:ffff::1",
            Some("IETF protocol assignment (RFC 2928)"),
        ),
        ("2001:200::1", PUBLIC),
        ("2001:0:808:808::f7f7:f7f7", Some("Teredo (RFC 4380)")),
        (
            "2001:1::1",
            Some("Port Control Protocol anycast (RFC 7723)"),
        ),
        ("2001:1::2", Some("TURN anycast (RFC 8155)")),
        (
            "2001:1::3",
            Some("DNS-SD service registration anycast (RFC 9665)"),
        ),
        ("2001:1::4", Some("IETF protocol assignment (RFC 2928)")),
        ("2001:2::1", Some("benchmarking (RFC 5180)")),
        ("2001:3::1", Some("AMT (RFC 7450)")),
        ("2001:4:112::1", Some("AS112 (RFC 7535)")),
        ("2001:10::1", Some("deprecated ORCHID (RFC 4843)")),
        ("2001:20::1", Some("ORCHIDv2 (RFC 7343)")),
        ("2001:30::1", Some("drone remote ID (RFC 9374)")),
        ("2001:db8::1", Some("documentation (RFC 3849)")),
        (
            "2620:4f:8000::1",
            Some("AS112 direct delegation (RFC 7534)"),
        ),
        ("2620:4f:8001::1", PUBLIC),
        ("3fff::1", Some("documentation (RFC 9637)")),
        ("3fff:fff::1", Some("documentation (RFC 9637)")),
        ("3fff:1000::1", PUBLIC),
        ("5f00::1", Some("SRv6 segment identifier (RFC 9602)")),
        ("fc00::1", Some("unique-local (RFC 4193)")),
        ("fd00:ec2::254", METADATA),
        ("fd00:ec2::253", Some("unique-local (RFC 4193)")),
        ("fe80::1", Some("link-local (RFC 4291)")),
        ("febf::1", Some("link-local (RFC 4291)")),
        ("fec0::1", Some("deprecated site-local (RFC 3879)")),
        ("ff02::1", Some("multicast (RFC 4291)")),
        // Outside 2000::/3 and every other block.
        (
            "1::1",
            Some("reserved (outside global unicast 2000::/3, RFC 4291)"),
        ),
        (
            "4000::1",
            Some("reserved (outside global unicast 2000::/3, RFC 4291)"),
        ),
        ("2a00:1450:4001:800::200e", PUBLIC),
    ]);
}

#[test]
fn an_ipv6_address_carrying_ipv4_is_judged_by_the_ipv4_it_carries() {
    check(&[
        // IPv4-mapped: the socket talks IPv4, so public is public.
        ("::ffff:8.8.8.8", PUBLIC),
        ("::ffff:10.0.0.1", PRIVATE),
        // IPv4-compatible and IPv4-translated: refused either way, naming
        // the embedded block when it has one.
        ("::10.0.0.1", PRIVATE),
        ("::ffff:0:127.0.0.1", LOOPBACK),
        ("::ffff:0:169.254.169.254", METADATA),
        // NAT64 well-known and local-use prefixes.
        ("64:ff9b::8.8.8.8", PUBLIC),
        ("64:ff9b::127.0.0.1", LOOPBACK),
        ("64:ff9b::a9fe:a9fe", METADATA),
        // Local-use NAT64 is refused whatever it carries: the layout is the
        // operator's (a /96 reading of the second is the metadata address).
        ("64:ff9b:1:0808:0008:0800::", LOCAL_NAT64),
        ("64:ff9b:1:abcd::a9fe:a9fe", LOCAL_NAT64),
        ("64:ff9b:1:a9fe:a9:fe00::", LOCAL_NAT64),
        // 6to4.
        ("2002:808:808::1", PUBLIC),
        ("2002:7f00:1::1", LOOPBACK),
        ("2002:a9fe:a9fe::", METADATA),
        // Teredo: server, then client (inverted); public both is still
        // Teredo.
        ("2001:0:7f00:1::f7f7:f7f7", LOOPBACK),
        ("2001:0:808:808::f5ff:fffe", PRIVATE),
        ("2001:0:808:808::f7f7:f7f7", Some("Teredo (RFC 4380)")),
        // ISATAP interface identifiers under any prefix.
        ("2a00:1450::5efe:10.0.0.1", PRIVATE),
        ("2a00:1450::200:5efe:169.254.169.254", METADATA),
        ("2a00:1450::200:5efe:8.8.8.8", PUBLIC),
        ("fe80::5efe:8.8.8.8", Some("link-local (RFC 4291)")),
    ]);
}
