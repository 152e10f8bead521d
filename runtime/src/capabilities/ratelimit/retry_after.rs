//! `Retry-After` in every form upstreams use: whole or fractional seconds, an
//! HTTP date, or an ISO-8601 timestamp (Zoom's daily limit).

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};

/// The longest pause a `Retry-After` may impose. Anything later (a daily limit
/// reset, a hostile header) is reported as a failure rather than waited out.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);

/// How long to wait, given a `Retry-After` value and the current time.
/// `None` when the value is unparseable. Times in the past give zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at: SystemTime = if let Ok(t) = httpdate::parse_http_date(value) {
        t
    } else if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        t.into()
    } else if let Ok(t) = OffsetDateTime::parse(value, &Iso8601::DEFAULT) {
        t.into()
    } else {
        return None;
    };
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_retry_after_form_is_understood() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let cases: &[(&str, Option<Duration>)] = &[
            ("5", Some(Duration::from_secs(5))),
            ("0.5", Some(Duration::from_millis(500))),
            (" 2 ", Some(Duration::from_secs(2))),
            (
                "Tue, 14 Nov 2023 22:13:30 GMT",
                Some(Duration::from_secs(10)),
            ),
            ("2023-11-14T22:13:40Z", Some(Duration::from_secs(20))),
            (
                "2023-11-14T22:13:40.000+00:00",
                Some(Duration::from_secs(20)),
            ),
            ("2020-01-01T00:00:00Z", Some(Duration::ZERO)),
            ("-1", None),
            ("NaN", None),
            ("soon", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(
                parse_retry_after(value, now),
                *want,
                "Retry-After: {value:?}"
            );
        }
    }
}
