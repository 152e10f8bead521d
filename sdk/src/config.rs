//! Non-secret instance settings, as declared by `[[config]]` in the manifest.

use crate::Error;
use crate::bindings::plugboard::connector::config as host;

/// The value of setting `key`, or `None` when it is unset or blank.
pub fn get(key: &str) -> Option<String> {
    non_blank(host::get(key))
}

/// The value of setting `key`, or `default` when it is unset or blank.
pub fn get_or(key: &str, default: &str) -> String {
    get(key).unwrap_or_else(|| default.to_string())
}

/// The value of setting `key`, or an `invalid-config` error naming the key.
pub fn require(key: &str) -> Result<String, Error> {
    required(key, host::get(key))
}

/// The pure part of [`require`]: `value` as read for `key`, or an
/// `invalid-config` error naming the key when it is missing or blank.
pub fn required(key: &str, value: Option<String>) -> Result<String, Error> {
    non_blank(value).ok_or_else(|| Error::config(format!("the setting `{key}` is required")))
}

/// A number-of-days setting `key` as read (`value`): unset or blank means
/// `default`, anything but a whole number is an `invalid-config` error, and
/// the number is clamped to `1..=max`.
pub fn days(key: &str, value: Option<&str>, default: u32, max: u32) -> Result<u32, Error> {
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

fn non_blank(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_missing_required_setting_is_an_invalid_config_error_naming_the_key() {
        let error = required("account_id", None).err();
        let error = error.map(|e| (e.kind, e.message));
        assert_eq!(
            error,
            Some((
                ErrorKind::InvalidConfig,
                "the setting `account_id` is required".to_string()
            ))
        );
    }

    #[test]
    fn day_settings_default_clamp_and_refuse_words() {
        let cases = [
            (None, Some(7)),
            (Some(" "), Some(7)),
            (Some(" 3 "), Some(3)),
            (Some("0"), Some(1)),
            (Some("99999999999"), Some(30)),
            (Some("-1"), None),
            (Some("a week"), None),
        ];
        for (value, want) in cases {
            assert_eq!(days("d", value, 7, 30).ok(), want, "{value:?}");
        }
    }

    #[test]
    fn a_blank_setting_counts_as_missing_and_values_are_trimmed() {
        assert!(required("k", Some("  ".into())).is_err());
        assert_eq!(
            required("k", Some(" v ".into())).ok(),
            Some("v".to_string())
        );
    }
}
