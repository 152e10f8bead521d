//! The `[limits]` table: `memory = "128MiB"`.

use serde::{Deserialize, Serialize};

use crate::limits::{DEFAULT_MEMORY_BYTES, MIN_MEMORY_BYTES, WASM32_MEMORY_BYTES};
use crate::section::ManifestError;

/// `[limits]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    memory: Option<String>,
}

/// What a plugin asks for beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LimitsSpec {
    /// Linear memory one call may grow to, in bytes (`None`: the default,
    /// [`DEFAULT_MEMORY_BYTES`]).
    pub memory: Option<u64>,
}

impl LimitsSpec {
    /// The memory limit in effect: the one asked for, else the default.
    pub fn memory_bytes(&self) -> u64 {
        self.memory.unwrap_or(DEFAULT_MEMORY_BYTES)
    }
}

/// A size written as a whole number of `MiB` or `GiB` (`128MiB`, `1GiB`),
/// in bytes; `None` for anything else.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let shift = match unit.trim() {
        "MiB" => 20,
        "GiB" => 30,
        _ => return None,
    };
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(1 << shift)
}

/// `bytes` for people: `128 MiB`, `1 GiB`.
pub fn show_size(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Parse `[limits]`.
pub fn parse(raw: RawLimits) -> Result<LimitsSpec, ManifestError> {
    let Some(text) = raw.memory else {
        return Ok(LimitsSpec::default());
    };
    match parse_size(&text) {
        Some(b) if (MIN_MEMORY_BYTES..=WASM32_MEMORY_BYTES).contains(&b) => {
            Ok(LimitsSpec { memory: Some(b) })
        }
        _ => Err(ManifestError::field(
            "limits.memory",
            &text,
            format!(
                "a whole number of MiB or GiB from {} to {} (e.g. \"128MiB\")",
                show_size(MIN_MEMORY_BYTES),
                show_size(WASM32_MEMORY_BYTES)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_whole_mib_or_gib_within_the_wasm32_range() {
        assert_eq!(parse_size("128MiB"), Some(128 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("96 MiB"), Some(96 << 20));
        for bad in [
            "",
            "128",
            "128MB",
            "1.5GiB",
            "-1MiB",
            "MiB",
            "99999999999999999999GiB",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
        let ok = |m: &str| {
            parse(RawLimits {
                memory: Some(m.into()),
            })
        };
        assert_eq!(ok("128MiB").map(|l| l.memory_bytes()).ok(), Some(128 << 20));
        assert!(ok("8MiB").is_err(), "below the minimum");
        assert!(ok("5GiB").is_err(), "beyond wasm32");
        let none = parse(RawLimits { memory: None })
            .map(|l| l.memory_bytes())
            .ok();
        assert_eq!(none, Some(DEFAULT_MEMORY_BYTES));
        assert_eq!(show_size(1 << 30), "1 GiB");
        assert_eq!(show_size(192 << 20), "192 MiB");
    }
}
