#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

#[test]
fn path_segments_are_percent_encoded_under_the_base_url() {
    let built = url(&["users", "a b/c@d", "status"]).build();
    assert_eq!(built, "https://api.zoom.us/v2/users/a%20b%2Fc%40d/status");
}

#[test]
fn zoom_error_codes_refine_the_kind_of_a_400() {
    let cases: [(u16, &[u8], ErrorKind); 6] = [
        (
            400,
            br#"{"code":200,"message":"No permission."}"#,
            ErrorKind::Permission,
        ),
        (
            400,
            br#"{"code":200,"message":"Only available for Paid account."}"#,
            ErrorKind::Unavailable,
        ),
        (
            400,
            br#"{"code":4700,"message":"Invalid access token, does not contain scopes."}"#,
            ErrorKind::Permission,
        ),
        (
            400,
            br#"{"code":300,"message":"Invalid request."}"#,
            ErrorKind::Upstream,
        ),
        (
            401,
            br#"{"code":124,"message":"Invalid access token."}"#,
            ErrorKind::Auth,
        ),
        (
            404,
            br#"{"code":1001,"message":"User does not exist."}"#,
            ErrorKind::NotFound,
        ),
    ];
    for (status, body, kind) in cases {
        let error = ERRORS.error(status, body);
        assert_eq!(error.kind, kind, "{status} {error:?}");
    }
}
