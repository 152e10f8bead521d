//! The instance settings declared in `plugin.toml`: `account_id`, `plan` and
//! `activity_days`. Pure parsers, so they run in native tests.

use plugboard_sdk::{Error, config};

/// Days of logs the first scan reads when `activity_days` is unset.
pub const DEFAULT_ACTIVITY_DAYS: u32 = 30;

/// Most days of logs a scan may read: Zoom keeps six months of reports.
pub const MAX_ACTIVITY_DAYS: u32 = 180;

/// The plans `plan` accepts; each selects a rate-limit tier in the manifest.
pub const PLANS: [&str; 3] = ["free", "pro", "business"];

/// Plan assumed when `plan` is unset (the manifest's default).
pub const DEFAULT_PLAN: &str = "pro";

/// `activity_days` as a number of days, clamped to 1..=180; unset means 30.
pub fn activity_days(value: Option<&str>) -> Result<u32, Error> {
    config::days(
        "activity_days",
        value,
        DEFAULT_ACTIVITY_DAYS,
        MAX_ACTIVITY_DAYS,
    )
}

/// `plan`, lowercased; unset means `pro`, anything but free/pro/business is an
/// error.
pub fn plan(value: Option<&str>) -> Result<String, Error> {
    let plan = value
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_PLAN.to_string());
    if PLANS.contains(&plan.as_str()) {
        Ok(plan)
    } else {
        Err(Error::config(format!(
            "the setting `plan` must be one of {}, not `{plan}`",
            PLANS.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_days_defaults_to_30_and_is_clamped_to_1_through_180() {
        let cases = [
            (None, Some(30)),
            (Some(""), Some(30)),
            (Some("7"), Some(7)),
            (Some(" 90 "), Some(90)),
            (Some("0"), Some(1)),
            (Some("999"), Some(180)),
            (Some("99999999999"), Some(180)),
            (Some("-3"), None),
            (Some("a week"), None),
        ];
        for (value, want) in cases {
            assert_eq!(activity_days(value).ok(), want, "{value:?}");
        }
    }

    #[test]
    fn plan_accepts_the_three_tiers_in_any_case_and_defaults_to_pro() {
        assert_eq!(plan(None).ok().as_deref(), Some("pro"));
        assert_eq!(plan(Some("Business")).ok().as_deref(), Some("business"));
        assert!(plan(Some("enterprise")).is_err());
    }
}
