//! The `from`/`to` date rules of Zoom's reports.
//!
//! Both dates are required (`yyyy-mm-dd`, UTC days, both inclusive); `to` may not be
//! before `from`, may be at most one calendar month after it (2026-01-31 → 2026-02-28),
//! and `from` must be within the last six months.

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, Time};

use crate::common::query::Query;
use crate::zoom::error::{ZoomError, echo};

/// How far back reports reach, in calendar months.
const RETENTION_MONTHS: i32 = 6;

/// A validated report window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReportRange {
    /// First day, inclusive.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
}

impl ReportRange {
    /// Reads and checks `from` and `to` against `today` (UTC).
    pub fn parse(query: &Query, today: Date) -> Result<Self, ZoomError> {
        let from = date(query, "from")?;
        let to = date(query, "to")?;
        if to < from {
            return Err(ZoomError::bad_request(
                "The 'to' date must not be earlier than the 'from' date.",
            ));
        }
        if to > add_months(from, 1) {
            return Err(ZoomError::bad_request(
                "The date range cannot be longer than one month.",
            ));
        }
        if from < add_months(today, -RETENTION_MONTHS) {
            return Err(ZoomError::bad_request(
                "Reports are only available for the last 6 months.",
            ));
        }
        Ok(ReportRange { from, to })
    }

    /// Whether `t` falls on one of the range's days.
    pub fn contains(&self, t: OffsetDateTime) -> bool {
        let start = self.from.with_time(Time::MIDNIGHT).assume_utc();
        let day = t.date();
        t >= start && day <= self.to
    }

    /// `from` as `yyyy-mm-dd`.
    pub fn first_day(&self) -> String {
        format_date(self.from)
    }

    /// `to` as `yyyy-mm-dd`.
    pub fn last_day(&self) -> String {
        format_date(self.to)
    }
}

fn date(query: &Query, field: &str) -> Result<Date, ZoomError> {
    let raw = query
        .non_empty(field)
        .ok_or_else(|| ZoomError::invalid_field(field, "is required"))?;
    Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| {
        ZoomError::invalid_field(
            field,
            format!("'{}' is not a date in yyyy-mm-dd format", echo(raw)),
        )
    })
}

fn format_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// `date` moved by `months` calendar months, the day clamped to the month's length.
pub(crate) fn add_months(date: Date, months: i32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months;
    let year = index.div_euclid(12);
    let month_number = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
    let Ok(month) = Month::try_from(month_number) else {
        return date;
    };
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::common::query::KeyMatch;

    fn parse(raw: &str) -> Result<ReportRange, i64> {
        ReportRange::parse(
            &Query::parse(Some(raw), KeyMatch::Exact),
            date!(2026 - 03 - 15),
        )
        .map_err(|e| e.code)
    }

    #[test]
    fn calendar_months_clamp_the_day() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 03 - 15), -6), date!(2025 - 09 - 15));
        assert_eq!(add_months(date!(2026 - 12 - 01), 1), date!(2027 - 01 - 01));
    }

    #[test]
    fn ranges_longer_than_a_month_or_older_than_six_months_are_refused() {
        assert!(parse("from=2026-02-01&to=2026-03-01").is_ok());
        assert!(parse("from=2026-01-31&to=2026-02-28").is_ok());
        assert_eq!(parse("from=2026-01-31&to=2026-03-01"), Err(300));
        assert_eq!(parse("from=2026-02-01&to=2026-03-02"), Err(300));
        assert_eq!(parse("from=2026-03-02&to=2026-03-01"), Err(300));
        assert_eq!(parse("from=2025-09-01&to=2025-09-30"), Err(300));
        assert_eq!(parse("to=2026-03-01"), Err(300));
        assert_eq!(parse("from=2026-3-1&to=2026-03-01"), Err(300));
        assert_eq!(parse("from=%ff&to=2026-03-01"), Err(300));
    }
}
