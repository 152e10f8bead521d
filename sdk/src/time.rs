//! Calendar dates and timestamps without a date crate: days since the Unix
//! epoch to and from `YYYY-MM-DD` (proleptic Gregorian, UTC), after Howard
//! Hinnant's `days_from_civil` / `civil_from_days` algorithms, and ISO-8601
//! UTC timestamps (`2026-03-01T12:00:00Z`) to and from milliseconds.

/// Milliseconds in one second.
pub const SECOND_MS: u64 = 1_000;
/// Milliseconds in one hour.
pub const HOUR_MS: u64 = 3_600 * SECOND_MS;
/// Milliseconds in one day.
pub const DAY_MS: u64 = 24 * HOUR_MS;
const MS_PER_DAY: u64 = DAY_MS;

/// Days since 1970-01-01 of the civil date `year-month-day`.
///
/// `month` is 1..=12 and `day` 1..=31; other values give a meaningless result
/// (use [`parse_date`] for untrusted text).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both values are in small ranges by construction.
    let month = u32::try_from(month).unwrap_or(1);
    let day = u32::try_from(day).unwrap_or(1);
    (year, month, day)
}

/// `YYYY-MM-DD` for `days` since 1970-01-01.
pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, or `None` when `text` is not
/// exactly such a date (including impossible dates like `2025-02-30`).
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(year) && all_digits(month) && all_digits(day)) {
        return None;
    }
    let (year, month, day) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// Whole days since 1970-01-01 at `ms` milliseconds since the epoch.
pub fn days_from_unix_ms(ms: u64) -> i64 {
    i64::try_from(ms / MS_PER_DAY).unwrap_or(i64::MAX)
}

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

    #[test]
    fn known_dates_round_trip_through_day_numbers() {
        let cases = [
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (59, "1970-03-01"),
            (10_957, "2000-01-01"),
            (11_016, "2000-02-29"),
            (19_782, "2024-02-29"),
            (20_454, "2026-01-01"),
        ];
        for (days, date) in cases {
            assert_eq!(format_date(days), date, "formatting day {days}");
            assert_eq!(parse_date(date), Some(days), "parsing {date}");
        }
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        for days in -146_097..146_097 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "day {days}");
        }
    }

    #[test]
    fn malformed_or_impossible_dates_are_rejected() {
        for text in [
            "",
            "2025-1-01",
            "2025-13-01",
            "2025-02-30",
            "2025-00-10",
            "2025-01-00",
            "2025-01-01T00:00:00Z",
            "+025-01-01",
            "2025/01/01",
            "2025-01-01-",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }

    #[test]
    fn milliseconds_are_floored_to_whole_days() {
        assert_eq!(days_from_unix_ms(0), 0);
        assert_eq!(days_from_unix_ms(MS_PER_DAY - 1), 0);
        assert_eq!(days_from_unix_ms(MS_PER_DAY * 20_454 + 5), 20_454);
    }
}
