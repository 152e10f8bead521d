//! The instance settings declared in `plugin.toml`: `activity_days` and
//! `signin_days` (`tenant_id` is only read by `check`). Pure parsers, so they
//! run in native tests.

use plugboard_sdk::{Error, config};

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
    config::days(key, value, default, max)
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
