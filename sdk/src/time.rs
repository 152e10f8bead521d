//! Calendar dates without a date crate: days since the Unix epoch to and from
//! `YYYY-MM-DD` (proleptic Gregorian, UTC), after Howard Hinnant's
//! `days_from_civil` / `civil_from_days` algorithms.

/// Milliseconds in one day.
const MS_PER_DAY: u64 = 86_400_000;

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

#[cfg(test)]
mod tests {
    use super::*;

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
