//! The instance settings declared in `plugin.toml`: `activity_days` and
//! `signin_days` (`tenant_id` is only read by `check`). Pure parsers, so they
//! run in native tests.

use plugboard_sdk::Error;

/// Days of ARM activity log the first scan reads when `activity_days` is unset.
pub const DEFAULT_ACTIVITY_DAYS: u32 = 14;

/// Most days of activity log a scan may read: ARM keeps 90 days.
pub const MAX_ACTIVITY_DAYS: u32 = 90;

/// Days of sign-ins and directory audits the first scan reads when
/// `signin_days` is unset.
pub const DEFAULT_SIGNIN_DAYS: u32 = 7;

/// Most days of sign-ins and directory audits a scan may read: Entra ID keeps
/// 30 days (P1/P2).
pub const MAX_SIGNIN_DAYS: u32 = 30;

/// `activity_days`, clamped to 1..=90; unset means 14.
pub fn activity_days(value: Option<&str>) -> Result<u32, Error> {
    days(
        "activity_days",
        value,
        DEFAULT_ACTIVITY_DAYS,
        MAX_ACTIVITY_DAYS,
    )
}

/// `signin_days`, clamped to 1..=30; unset means 7.
pub fn signin_days(value: Option<&str>) -> Result<u32, Error> {
    days("signin_days", value, DEFAULT_SIGNIN_DAYS, MAX_SIGNIN_DAYS)
}

fn days(key: &str, value: Option<&str>, default: u32, max: u32) -> Result<u32, Error> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(default);
    };
    let days: u64 = text.parse().map_err(|_| {
        Error::config(format!(
            "the setting `{key}` must be a whole number of days (1-{max}), not `{text}`"
        ))
    })?;
    Ok(u32::try_from(days).unwrap_or(max).clamp(1, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_days_defaults_to_14_and_is_clamped_to_1_through_90() {
        let cases = [
            (None, Some(14)),
            (Some(" "), Some(14)),
            (Some("3"), Some(3)),
            (Some("0"), Some(1)),
            (Some("365"), Some(90)),
            (Some("99999999999"), Some(90)),
            (Some("-1"), None),
            (Some("two weeks"), None),
        ];
        for (value, want) in cases {
            assert_eq!(activity_days(value).ok(), want, "{value:?}");
        }
    }

    #[test]
    fn signin_days_defaults_to_7_and_is_clamped_to_1_through_30() {
        let cases = [
            (None, Some(7)),
            (Some("30"), Some(30)),
            (Some("31"), Some(30)),
            (Some("0"), Some(1)),
            (Some("x"), None),
        ];
        for (value, want) in cases {
            assert_eq!(signin_days(value).ok(), want, "{value:?}");
        }
    }
}
