//! Plugins from a real OCI registry (issue 17): Debian's `docker-registry`
//! (the CNCF distribution registry) started on loopback per test, driven
//! through the `plugboard` binary. Push → add by tag → upgrade asking for
//! more (refused without approval, accepted with it) → rollback; add by
//! digest; a registry that is down; and one test per signature failure,
//! each leaving the store and the home's files as they were.
//!
//! The tests skip with a loud message only when `/usr/bin/docker-registry`
//! is absent and `CI` is unset; `.ci/run` installs it.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use plugboard_host::registry::oci::{OciRef, Registry, RegistryOptions, signature_tag};
use serde_json::Value;

use super::{OPERATOR, assert_one_line_error, json, ok, private_dir, run, text};
use crate::support::registry::{RegistryServer, key_pair};

const UPSTREAM: i32 = 3;
const PLUGIN: i32 = 4;

/// A Zoom package directory at `version` (plugin.toml edited by `edit`,
/// the built component beside it under the name the manifest gives).
fn package(dir: &Path, version: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
    let out = super::zoom_version(dir, version, edit);
    std::fs::copy(super::zoom_wasm(), out.join("plugboard_zoom.wasm"))
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

/// What a refusal must leave as it was: the plugins listed and the home's
/// files (the database aside, which reads may checkpoint).
fn state(home: &Path) -> (Value, Vec<(PathBuf, Vec<u8>)>) {
    let list = json(&ok(home, &["plugin", "list", "--json"]));
    let files = super::snapshot(home)
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().contains(".db"))
        .collect();
    (list, files)
}

fn push(home: &Path, dir: &Path, reference: &str, key: Option<&Path>) {
    let dir = dir.to_string_lossy();
    let mut args = vec!["plugin", "push", &dir, reference];
    let key = key.map(|k| k.to_string_lossy().into_owned());
    if let Some(k) = &key {
        args.extend(["--key", k]);
    }
    ok(home, &args);
}

fn trust(home: &Path, name: &str, pubkey: &Path) {
    ok(home, &["trust", "add", name, &pubkey.to_string_lossy()]);
}

/// The manifest digest of `reference` in the registry.
fn digest_of(reference: &str) -> String {
    let r = OciRef::parse(reference).unwrap_or_else(|e| panic!("{e}"));
    block(async {
        let reg = Registry::connect(&r, &no_docker()).unwrap_or_else(|e| panic!("{e}"));
        reg.manifest(r.manifest_key()).await.map(|(_, d)| d)
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn no_docker() -> RegistryOptions {
    RegistryOptions {
        no_docker_config: true,
        ..RegistryOptions::default()
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .block_on(f)
}

/// Copy the cosign signature of the artifact `from` to the one now at
/// `to` (what someone with write access to the registry could do).
fn copy_signature(from_digest: &str, to: &str) {
    let r = OciRef::parse(to).unwrap_or_else(|e| panic!("{e}"));
    let to_digest = digest_of(to);
    assert_ne!(from_digest, to_digest, "the artifact changed");
    block(async {
        let reg = Registry::connect(&r, &no_docker())?;
        let (sig, _) = reg.manifest(&signature_tag(from_digest)).await?;
        reg.put_manifest(&signature_tag(&to_digest), &sig).await
    })
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_signed_plugin_is_pushed_added_by_tag_upgraded_with_approval_and_rolled_back() {
    let Some(registry) = RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let (key, pubkey) = key_pair(work.path(), "vendor");
    let v1 = package(work.path(), "0.1.0", |t| t);
    let v2 = package(work.path(), "0.2.0", |t| {
        t + "\n[[egress]]\nurl = \"https://collector.example/\"\nmethods = [\"POST\"]\n"
    });
    let r1 = registry.reference("vendor/zoom:0.1.0");
    push(home.path(), &v1, &r1, Some(&key));
    trust(home.path(), "acme-vendor", &pubkey);

    let out = run(home.path(), &["plugin", "add", &r1, "--yes", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let added = json(&text(&out.stdout));
    crate::support::assert_matches_schema("plugin-add", "plugin add oci://", &added);
    let digest = digest_of(&r1);
    assert_eq!(added["origin"]["digest"], digest.as_str(), "{added}");
    assert_eq!(added["origin"]["tag"], "0.1.0", "{added}");
    assert_eq!(added["origin"]["publisher"], "acme-vendor", "{added}");
    assert!(
        text(&out.stderr).contains("Publisher: \"acme-vendor\" (signature verified"),
        "{}",
        text(&out.stderr)
    );

    push(
        home.path(),
        &v2,
        &registry.reference("vendor/zoom:0.2.0"),
        Some(&key),
    );
    let before = state(home.path());
    let out = run(home.path(), &["plugin", "upgrade", "zoom"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "plugin zoom 0.2.0 was not added",
            "re-run with --yes",
            "version 0.1.0 stays current",
        ],
    );
    let stderr = text(&out.stderr);
    for want in [
        "zoom 0.2.0 asks for more than the current version 0.1.0 was approved for:",
        "  new: network POST https://collector.example/",
        "Publisher: \"acme-vendor\"",
    ] {
        assert!(stderr.contains(want), "{want:?} not in {stderr}");
    }
    assert_eq!(
        state(home.path()),
        before,
        "a refused upgrade changes nothing"
    );

    let out = run(
        home.path(),
        &["plugin", "upgrade", "zoom", "--yes", "--json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let upgraded = json(&text(&out.stdout));
    crate::support::assert_matches_schema("plugin-upgrade", "plugin upgrade", &upgraded);
    assert_eq!(upgraded["version"], "0.2.0", "{upgraded}");
    assert_eq!(upgraded["origin"]["tag"], "0.2.0", "{upgraded}");
    assert_eq!(
        upgraded["changes"]["added"],
        serde_json::json!([{"kind": "network", "detail": "POST https://collector.example/"}]),
        "{upgraded}"
    );
    let listed = ok(home.path(), &["--wide", "plugin", "list"]);
    assert!(listed.contains("signed by \"acme-vendor\""), "{listed}");
    let keys = json(&ok(home.path(), &["trust", "list", "--json"]));
    crate::support::assert_matches_schema("trust-list", "trust list", &keys);
    assert_eq!(keys[0]["name"], "acme-vendor", "{keys}");

    let out = ok(home.path(), &["plugin", "rollback", "zoom"]);
    assert!(out.contains("now at version 0.1.0"), "{out}");
    let shown = json(&ok(home.path(), &["plugin", "inspect", "zoom", "--json"]));
    assert_eq!(shown["origin"]["digest"], digest.as_str(), "{shown}");
}

#[test]
fn a_plugin_is_added_by_digest_and_a_registry_that_is_down_changes_nothing() {
    let Some(mut registry) = RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let v1 = package(work.path(), "0.1.0", |t| t);
    let tagged = registry.reference("vendor/zoom:0.1.0");
    push(home.path(), &v1, &tagged, None);
    let digest = digest_of(&tagged);
    let pinned = registry.reference(&format!("vendor/zoom@{digest}"));

    let out = run(
        home.path(),
        &[
            "plugin",
            "add",
            &pinned,
            "--allow-unsigned",
            "--yes",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let added = json(&text(&out.stdout));
    assert_eq!(added["origin"]["digest"], digest.as_str(), "{added}");
    assert_eq!(added["origin"]["tag"], Value::Null, "{added}");
    assert_eq!(added["origin"]["allowed_unsigned"], "unsigned", "{added}");
    assert!(
        text(&out.stderr)
            .contains("Publisher: UNVERIFIED (unsigned), installed with --allow-unsigned"),
        "{}",
        text(&out.stderr)
    );
    let listed = ok(home.path(), &["--wide", "plugin", "list"]);
    assert!(listed.contains("unsigned (--allow-unsigned)"), "{listed}");

    let before = state(home.path());
    registry.stop();
    let other = registry.reference("vendor/other:1.0.0");
    let out = run(home.path(), &["plugin", "add", &other, "--yes"]);
    assert_one_line_error(
        &out,
        UPSTREAM,
        &[
            &format!("registry {} is unreachable", registry.addr),
            "nothing was changed",
        ],
    );
    let out = run(home.path(), &["plugin", "upgrade", "zoom", "--yes"]);
    assert_one_line_error(&out, UPSTREAM, &["is unreachable"]);
    assert_eq!(state(home.path()), before);
}

/// Push `dir` to `reference` (signed with `key`), trust `trusted`, then
/// `plugin add` it; the refusal must leave everything as it was.
fn refused(home: &Path, reference: &str, code: i32, wants: &[&str]) {
    let before = state(home);
    let out = run(home, &["plugin", "add", reference, "--yes"]);
    assert_one_line_error(&out, code, wants);
    assert_eq!(state(home), before, "a refusal changes nothing");
}

#[test]
fn an_unsigned_plugin_is_refused_without_allow_unsigned() {
    let Some(registry) = RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let (_, pubkey) = key_pair(work.path(), "vendor");
    trust(home.path(), "vendor", &pubkey);
    let r = registry.reference("vendor/zoom:0.1.0");
    push(home.path(), &package(work.path(), "0.1.0", |t| t), &r, None);
    refused(
        home.path(),
        &r,
        PLUGIN,
        &["is unsigned", "--allow-unsigned"],
    );
}

#[test]
fn a_plugin_signed_by_an_untrusted_key_is_refused() {
    let Some(registry) = RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let (_, trusted) = key_pair(work.path(), "vendor");
    let (stranger, _) = key_pair(work.path(), "stranger");
    trust(home.path(), "vendor", &trusted);
    let r = registry.reference("vendor/zoom:0.1.0");
    push(
        home.path(),
        &package(work.path(), "0.1.0", |t| t),
        &r,
        Some(&stranger),
    );
    refused(
        home.path(),
        &r,
        OPERATOR,
        &[
            "is signed, but by no trusted key (1 signature)",
            "plugboard trust add",
        ],
    );
}

#[test]
fn a_component_changed_after_signing_is_refused() {
    let Some(registry) = RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let (key, pubkey) = key_pair(work.path(), "vendor");
    trust(home.path(), "vendor", &pubkey);
    let r = registry.reference("vendor/zoom:0.1.0");
    let dir = package(work.path(), "0.1.0", |t| t);
    push(home.path(), &dir, &r, Some(&key));
    let signed = digest_of(&r);
    // The same tag now holds other bytes, with the old signature copied over.
    let wasm = dir.join("plugboard_zoom.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap_or_else(|e| panic!("{e}"));
    bytes.extend_from_slice(b"\0\x04evil");
    std::fs::write(&wasm, bytes).unwrap_or_else(|e| panic!("{e}"));
    push(home.path(), &dir, &r, None);
    copy_signature(&signed, &r);
    refused(
        home.path(),
        &r,
        PLUGIN,
        &[
            "the component changed after it was signed by vendor",
            &signed,
        ],
    );
}

#[test]
fn a_manifest_changed_after_signing_is_refused() {
    let Some(registry) = RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let (key, pubkey) = key_pair(work.path(), "vendor");
    trust(home.path(), "vendor", &pubkey);
    let r = registry.reference("vendor/zoom:0.1.0");
    let dir = package(work.path(), "0.1.0", |t| t);
    push(home.path(), &dir, &r, Some(&key));
    let signed = digest_of(&r);
    let toml = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&toml).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &toml,
        text + "\n[[egress]]\nurl = \"https://exfil.example/\"\nmethods = [\"POST\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    push(home.path(), &dir, &r, None);
    copy_signature(&signed, &r);
    refused(
        home.path(),
        &r,
        PLUGIN,
        &["plugin.toml changed after it was signed by vendor"],
    );
}

#[test]
fn content_that_does_not_hash_to_the_digest_in_the_reference_is_refused() {
    // A real registry never serves content under another digest; this one
    // answers every request with the same manifest.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let body =
        plugboard_host::registry::oci::Artifact::build(b"\0asm".to_vec(), "id = \"x\"".into())
            .manifest;
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).ok();
            s.write_all(&body).ok();
        }
    });
    let home = private_dir();
    let asked = format!("sha256:{}", "0".repeat(64));
    let r = format!("oci://{addr}/vendor/zoom@{asked}");
    refused(
        home.path(),
        &r,
        UPSTREAM,
        &[
            &format!("sent the manifest of {r} whose sha256 is"),
            &asked,
            "refused",
        ],
    );
}

#[test]
fn every_page_of_a_long_tag_list_is_read_and_a_registry_repeating_a_page_is_not_followed_forever() {
    // A registry with 1,000 old tags and then the newest one on a second
    // page (the distribution API's `n` and `last`); and one that answers
    // every page with the same full page.
    for repeats in [false, true] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let first: Vec<String> = (0..1000).map(|i| format!("0.{i}.0")).collect();
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let seen = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(12) {
                let Ok(mut s) = stream else { continue };
                s.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                let tags = match (path.contains("last="), repeats) {
                    (true, false) => vec!["1.0.0".to_string(), "latest".to_string()],
                    _ => first.clone(),
                };
                if path.contains("/tags/list") {
                    seen.lock().unwrap_or_else(|e| e.into_inner()).push(path);
                }
                let body = serde_json::json!({ "name": "vendor/zoom", "tags": tags }).to_string();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                s.write_all(answer.as_bytes()).ok();
            }
        });
        let r = OciRef::parse(&format!("oci://{addr}/vendor/zoom:0.1.0"))
            .unwrap_or_else(|e| panic!("{e}"));
        let tags = block(async {
            let reg = Registry::connect(&r, &no_docker()).unwrap_or_else(|e| panic!("{e}"));
            reg.tags().await
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let asked = asked.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if repeats {
            assert_eq!(tags.len(), 1000, "the same page again ends the list");
            assert_eq!(asked.len(), 2, "{asked:?}");
        } else {
            assert_eq!(tags.len(), 1002);
            assert_eq!(
                plugboard_host::registry::oci::newest_tag(&tags).as_deref(),
                Some("1.0.0")
            );
            assert_eq!(asked.len(), 2, "{asked:?}");
            assert!(
                asked[1].ends_with("tags/list?n=1000&last=0.999.0"),
                "{asked:?}"
            );
        }
    }
}

#[test]
fn a_locally_signed_package_names_its_publisher_and_one_changed_after_signing_is_refused() {
    let (home, work) = (private_dir(), private_dir());
    let (key, pubkey) = key_pair(work.path(), "vendor");
    let dir = package(work.path(), "0.1.0", |t| t);
    let d = dir.to_string_lossy().into_owned();
    let out = ok(
        home.path(),
        &["plugin", "sign", &d, "--key", &key.to_string_lossy()],
    );
    assert!(out.contains("plugin.sig"), "{out}");
    trust(home.path(), "vendor", &pubkey);

    let toml = dir.join("plugin.toml");
    let original = std::fs::read_to_string(&toml).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &toml,
        original.replace("Users, groups", "Users, groups and more"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let before = state(home.path());
    let out = run(home.path(), &["plugin", "add", &d, "--yes"]);
    assert_one_line_error(
        &out,
        PLUGIN,
        &["plugin.toml changed after it was signed by vendor"],
    );
    assert_eq!(state(home.path()), before, "a refusal changes nothing");

    std::fs::write(&toml, &original).unwrap_or_else(|e| panic!("{e}"));
    let out = run(home.path(), &["plugin", "add", &d, "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Publisher: \"vendor\""),
        "{}",
        text(&out.stderr)
    );
    let listed = ok(home.path(), &["--wide", "plugin", "list"]);
    assert!(listed.contains("signed by \"vendor\""), "{listed}");
}

#[test]
fn a_local_package_unsigned_or_signed_by_no_trusted_key_needs_allow_unsigned_and_is_listed_so() {
    let (home, work) = (private_dir(), private_dir());
    let dir = package(work.path(), "0.1.0", |t| t);
    let d = dir.to_string_lossy().into_owned();
    let before = state(home.path());
    let out = run(home.path(), &["plugin", "add", &d, "--yes"]);
    assert_one_line_error(
        &out,
        PLUGIN,
        &[
            "plugin.toml is unsigned",
            "plugboard plugin sign",
            "--allow-unsigned",
        ],
    );
    assert_eq!(state(home.path()), before, "a refusal changes nothing");

    let (key, _) = key_pair(work.path(), "stranger");
    ok(
        home.path(),
        &["plugin", "sign", &d, "--key", &key.to_string_lossy()],
    );
    let out = run(home.path(), &["plugin", "add", &d, "--yes"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &["signed, but by no trusted key", "--allow-unsigned"],
    );
    assert_eq!(state(home.path()), before, "a refusal changes nothing");

    std::fs::remove_file(dir.join("plugin.sig")).unwrap_or_else(|e| panic!("{e}"));
    let out = run(
        home.path(),
        &["plugin", "add", &d, "--yes", "--allow-unsigned"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Publisher: UNVERIFIED (unsigned)"),
        "{}",
        text(&out.stderr)
    );
    let listed = ok(home.path(), &["--wide", "plugin", "list"]);
    assert!(listed.contains("unsigned (--allow-unsigned)"), "{listed}");
}

#[test]
fn a_registry_reference_with_server_is_refused_as_the_operators_before_any_request() {
    // Nothing listens on port 9 of loopback: a request to either would fail
    // as the upstream's; the refusal comes first and blames the operator.
    let home = private_dir();
    let out = run(
        home.path(),
        &[
            "plugin",
            "add",
            "oci://127.0.0.1:9/vendor/zoom:0.1.0",
            "--server",
            "http://127.0.0.1:9",
            "--yes",
        ],
    );
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "--server uploads local packages only",
            "POST /v1/oci/plugins",
        ],
    );
}
