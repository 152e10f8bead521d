//! Exit codes by blame, so scripts can tell whose move it is.

use plugboard_core::Blame;
use plugboard_core::secrets::SecretError;
use plugboard_core::store::StoreError;

use plugboard_host::governance::GovernanceError;
use plugboard_host::home::HomeError;
use plugboard_host::instance::InstanceError;
use plugboard_host::manifest::ManifestError;
use plugboard_host::registry::RegistryError;
use plugboard_host::registry::oci::OciError;
use plugboard_host::runtime::{CallError, RuntimeError};
use plugboard_host::scan::ScanError;
use plugboard_host::telemetry::TelemetryError;

use super::UnknownCommand;
use super::cluster::NoCluster;
use super::doctor::Unhealthy;
use super::kit::KitError;
use super::oci::{NotFromRegistry, ReferenceThroughServer};
use super::remote::RemoteError;
use super::scaffold::ScaffoldError;
use super::scan::{Interrupted, StreamFailed};
use super::table::OutputClosed;
use super::trust::BadTrust;
use plugboard_host::daemon::DaemonError;
use plugboard_host::host::{ClusterRuns, HostError};

/// Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells expect.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Who is to blame for `e`, from the first typed error in its chain.
pub fn blame_of(e: &anyhow::Error) -> Option<Blame> {
    e.chain().find_map(|c| {
        macro_rules! try_type {
            ($($t:ty),*) => {$(
                if let Some(x) = c.downcast_ref::<$t>() {
                    return Some(x.blame());
                }
            )*};
        }
        try_type!(
            HostError,
            StreamFailed,
            KitError,
            ScaffoldError,
            NoCluster,
            ClusterRuns,
            Unhealthy,
            UnknownCommand,
            RemoteError,
            DaemonError,
            ScanError,
            RegistryError,
            OciError,
            NotFromRegistry,
            ReferenceThroughServer,
            BadTrust,
            InstanceError,
            GovernanceError,
            HomeError,
            ManifestError,
            RuntimeError,
            CallError,
            StoreError,
            SecretError,
            TelemetryError
        );
        None
    })
}

/// The process exit code for a failure: 2 operator, 3 upstream, 4 plugin,
/// 1 host or unknown.
pub fn exit_code(blame: Option<Blame>) -> u8 {
    match blame {
        Some(Blame::Operator) => 2,
        Some(Blame::Upstream) => 3,
        Some(Blame::Plugin) => 4,
        Some(Blame::Host) | None => 1,
    }
}

/// `text` on one line: line breaks inside an error (a guest's panic message,
/// a wasm backtrace) become `; `, so every failure is exactly one line, and
/// any other control character (an escape sequence quoted from a plugin or
/// an upstream) is shown as a `\u{…}` escape instead of reaching the terminal.
pub fn one_line(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    plugboard_core::text::neutralize(&joined).into_owned()
}

/// Print `e` as one line on stderr, prefixed with who is to blame, and
/// return the process exit code for it.
pub fn report_failure(e: &anyhow::Error) -> u8 {
    if let Some(i) = e.downcast_ref::<Interrupted>() {
        eprintln!("{}", one_line(&i.to_string()));
        return EXIT_INTERRUPTED;
    }
    if e.downcast_ref::<OutputClosed>().is_some() {
        return 0;
    }
    let blame = blame_of(e);
    let text = one_line(&format!("{e:#}"));
    match blame {
        Some(b) => eprintln!("error ({b}): {}", without_label(&text, b)),
        None => eprintln!("error: {text}"),
    }
    exit_code(blame)
}

/// `text` without `{blame}: ` where it starts a clause (at the start, or
/// after `: ` or `; `): a plugin's `upstream` or `plugin` error kind says
/// again what the `error (blame)` prefix already said.
fn without_label(text: &str, blame: Blame) -> String {
    let label = format!("{blame}: ");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let at_clause = out.is_empty() || out.ends_with(": ") || out.ends_with("; ");
        if at_clause && let Some(after) = rest.strip_prefix(label.as_str()) {
            rest = after;
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_errors_are_printed_on_one_line() {
        assert_eq!(
            one_line("trapped\nwasm backtrace:\n    0: 0x1 - f\n\n  1: 0x2 - g\n"),
            "trapped; wasm backtrace:; 0: 0x1 - f; 1: 0x2 - g"
        );
        assert_eq!(one_line("plain"), "plain");
        assert_eq!(
            one_line("upstream said \u{1b}[2K\rok"),
            "upstream said \\u{1b}[2K\\u{d}ok"
        );
    }

    #[test]
    fn the_blame_is_said_once() {
        for (blame, text, want) in [
            (Blame::Upstream, "upstream: HTTP 400", "HTTP 400"),
            (
                Blame::Upstream,
                "scan of z failed in stream users: upstream: HTTP 400",
                "scan of z failed in stream users: HTTP 400",
            ),
            (
                Blame::Plugin,
                "check failed: plugin: bad cursor; plugin: again",
                "check failed: bad cursor; again",
            ),
            // Another kind says something the prefix does not.
            (
                Blame::Operator,
                "check failed: auth: invalid client",
                "check failed: auth: invalid client",
            ),
            // Not at the start of a clause: part of the sentence.
            (
                Blame::Upstream,
                "the upstream: HTTP 500",
                "the upstream: HTTP 500",
            ),
            (Blame::Upstream, "upstream: ", ""),
        ] {
            assert_eq!(without_label(text, blame), want, "{blame}: {text:?}");
        }
    }

    #[test]
    fn an_interrupted_scan_exits_130_and_others_by_blame() {
        let e = anyhow::Error::new(Interrupted {
            instance: "z".into(),
        });
        assert_eq!(report_failure(&e), EXIT_INTERRUPTED);
        let e = anyhow::Error::new(plugboard_host::instance::InstanceError::NotFound(
            "z".into(),
        ));
        assert_eq!(report_failure(&e), 2);
        assert_eq!(report_failure(&anyhow::anyhow!("untyped")), 1);
        let e = anyhow::Error::new(StreamFailed {
            instance: "z".into(),
            stream: "users".into(),
            blame: Blame::Upstream,
            error: "HTTP 500".into(),
        });
        assert_eq!(report_failure(&e), 3, "a failed stream exits by its blame");
    }
}
