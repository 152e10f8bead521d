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
#[path = "settings_tests.rs"]
mod tests;
