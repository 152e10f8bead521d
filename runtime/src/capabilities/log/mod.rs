//! The log capability: a plugin's log lines, made safe for the operator's
//! log. It has no manifest section and no grant (every plugin may log); what
//! it owns is the rule that a plugin's line is scrubbed of the instance's
//! secrets and tokens, cut, and stripped of control characters before it is
//! written — a `\r` or `\n` would forge a log line of the host's own.

/// How loud a plugin's line is (the contract's `log.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Only this much of a plugin's line is looked at (the scrub's work stays
/// bounded); the line written is then cut to the host's message limit.
const MAX_SCANNED_CHARS: usize = 16 << 10;

/// The line as the operator's log may show it: bounded, scrubbed by `scrub`
/// (secret values and live tokens replaced), then neutralised and cut.
/// Scrubbing comes before the final cut, so no part of a secret survives it.
pub fn prepare(message: &str, scrub: impl FnOnce(&mut String) -> bool) -> String {
    let mut line: String = message.chars().take(MAX_SCANNED_CHARS).collect();
    scrub(&mut line);
    plugboard_core::text::clean_line(&mut line, crate::limits::MAX_MESSAGE_BYTES);
    line
}

/// Writes a prepared line to the host's log, naming the instance and plugin.
pub fn emit(level: Level, instance: &str, plugin: &str, line: &str) {
    match level {
        Level::Trace => tracing::trace!(%instance, %plugin, "{line}"),
        Level::Debug => tracing::debug!(%instance, %plugin, "{line}"),
        Level::Info => tracing::info!(%instance, %plugin, "{line}"),
        Level::Warn => tracing::warn!(%instance, %plugin, "{line}"),
        Level::Error => tracing::error!(%instance, %plugin, "{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_scrubbed_before_it_is_cut_and_cannot_forge_another_line() {
        let secret = "s3cr3t-value";
        let scrub = |s: &mut String| {
            let had = s.contains(secret);
            *s = s.replace(secret, "[redacted]");
            had
        };
        let line = prepare(&format!("token {secret}\r\nFAKE host line"), scrub);
        assert!(!line.contains(secret), "{line}");
        assert!(line.contains("[redacted]"), "{line}");
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");

        // A secret that straddles the message limit is replaced before the cut.
        let pad = "x".repeat(crate::limits::MAX_MESSAGE_BYTES - 10);
        let line = prepare(&format!("{pad}{secret}"), scrub);
        assert!(
            !line.contains("s3cr"),
            "a prefix of the secret survived the cut"
        );
        assert!(
            line.len() <= crate::limits::MAX_MESSAGE_BYTES + 4,
            "{}",
            line.len()
        );
    }
}
