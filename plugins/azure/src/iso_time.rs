//! ISO-8601 UTC timestamps (`2026-03-01T12:00:00Z`) without a date crate,
//! built on the SDK's calendar helpers.

use plugboard_sdk::time::{format_date, parse_date};

/// Milliseconds in one second.
pub const SECOND_MS: u64 = 1_000;
/// Milliseconds in one hour.
pub const HOUR_MS: u64 = 3_600 * SECOND_MS;
/// Milliseconds in one day.
pub const DAY_MS: u64 = 24 * HOUR_MS;

/// `YYYY-MM-DDTHH:MM:SSZ` for `ms` since the epoch (second precision; the
/// milliseconds are dropped).
pub fn format_iso(ms: u64) -> String {
    let seconds = ms / SECOND_MS;
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    let of_day = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(days),
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

/// `ms` floored to a whole second.
pub fn floor_second(ms: u64) -> u64 {
    ms - ms % SECOND_MS
}

/// Milliseconds since the epoch of an RFC 3339 timestamp
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`), or `None` when `text` is not
/// one or lies before 1970. Fractions beyond milliseconds are dropped.
pub fn parse_iso(text: &str) -> Option<u64> {
    let days = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t'))?;
    let clock = rest.get(..8)?;
    let (hour, minute, second) = (
        number(clock.get(..2)?, 23)?,
        number(clock.get(3..5)?, 59)?,
        number(clock.get(6..8)?, 60)?,
    );
    if clock.get(2..3)? != ":" || clock.get(5..6)? != ":" {
        return None;
    }
    let mut rest = rest.get(8..)?;
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", fraction.get(..digits.min(3))?);
        millis = padded.parse::<i64>().ok()?;
        rest = fraction.get(digits..)?;
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            sign * (number(rest.get(1..3)?, 23)? * 60 + number(rest.get(4..6)?, 59)?)
        }
    };
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    u64::try_from(seconds * 1_000 + millis).ok()
}

/// Two ASCII digits no larger than `max`.
fn number(text: &str, max: i64) -> Option<i64> {
    if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-01T00:00:00Z.
    const MARCH_1: u64 = 20_513 * DAY_MS;

    #[test]
    fn timestamps_are_formatted_in_utc_to_the_second() {
        assert_eq!(format_iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_iso(MARCH_1), "2026-03-01T00:00:00Z");
        assert_eq!(
            format_iso(MARCH_1 + 13 * HOUR_MS + 4 * 60_000 + 5_999),
            "2026-03-01T13:04:05Z"
        );
        assert_eq!(format_iso(MARCH_1 - SECOND_MS), "2026-02-28T23:59:59Z");
    }

    #[test]
    fn formatted_timestamps_parse_back() {
        for ms in [0, MARCH_1, MARCH_1 + 86_399_000, 4_102_444_800_000] {
            assert_eq!(parse_iso(&format_iso(ms)), Some(ms), "{ms}");
        }
    }

    #[test]
    fn fractions_and_offsets_are_understood() {
        assert_eq!(
            parse_iso("2026-03-01T00:00:01.1234567Z"),
            Some(MARCH_1 + 1_123)
        );
        assert_eq!(parse_iso("2026-03-01T00:00:00.5Z"), Some(MARCH_1 + 500));
        assert_eq!(parse_iso("2026-03-01T01:30:00+01:30"), Some(MARCH_1));
        assert_eq!(parse_iso("2026-02-28T23:00:00-01:00"), Some(MARCH_1));
    }

    #[test]
    fn malformed_timestamps_are_rejected() {
        for text in [
            "",
            "2026-03-01",
            "2026-03-01 00:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T00:00:00",
            "2026-03-01T00:00:00.Z",
            "2026-03-01T00:00:00+0100",
            "2026-02-30T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-03-01T0a:00:00Z",
        ] {
            assert_eq!(parse_iso(text), None, "{text:?}");
        }
    }
}
