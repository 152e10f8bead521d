#![allow(clippy::unwrap_used, reason = "tests")]

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
