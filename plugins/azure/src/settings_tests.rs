#![allow(clippy::unwrap_used, reason = "tests")]

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
