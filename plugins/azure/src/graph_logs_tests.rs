#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::time::{DAY_MS, HOUR_MS};
use plugboard_sdk::{Activity, Page};

type GraphLog = Stream;

fn sync(
    log: &GraphLog,
    cursor: Option<&str>,
    now_ms: u64,
    days: u32,
    net: &mut dyn Transport,
) -> Result<Page, Error> {
    log.sync(
        cursor,
        Env {
            now_ms,
            lookback_days: days,
        },
        net,
    )
}

mod signins {
    pub use crate::graph_logs::{SIGN_INS as LOG, parse_signins_page};
}

mod audits {
    pub use crate::graph_logs::{AUDITS as LOG, parse_audits_page};
}

/// 2026-03-01T12:00:00.250Z.
const NOW: u64 = 20_513 * DAY_MS + 12 * HOUR_MS + 250;

fn run(
    log: &GraphLog,
    cursor: Option<&str>,
    days: u32,
    pages: usize,
) -> (Vec<String>, Option<String>) {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        let n = urls.len();
        Ok(if n < pages {
            format!(
                r#"{{"value":[],"@odata.nextLink":"https://graph.microsoft.com/v1.0/auditLogs/x?$skiptoken={n}"}}"#
            )
            .into_bytes()
        } else {
            br#"{"value":[]}"#.to_vec()
        })
    };
    let mut cursor = cursor.map(str::to_string);
    for _ in 0..50 {
        let page = sync(log, cursor.as_deref(), NOW, days, &mut fetch).unwrap();
        cursor = page.cursor;
        if !page.more {
            return (urls, cursor);
        }
    }
    panic!("never finished");
}

#[test]
fn a_first_run_reads_the_last_signin_days_and_follows_next_links_to_a_watermark() {
    let (urls, cursor) = run(&signins::LOG, None, 7, 3);
    assert_eq!(
        urls,
        [
            "https://graph.microsoft.com/v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime%20ge%202026-02-22T12%3A00%3A00Z",
            "https://graph.microsoft.com/v1.0/auditLogs/x?$skiptoken=1",
            "https://graph.microsoft.com/v1.0/auditLogs/x?$skiptoken=2",
        ]
    );
    assert_eq!(
        cursor.as_deref(),
        Some(r#"{"state":"done","watermark":"2026-03-01T12:00:00Z"}"#)
    );
}

#[test]
fn an_incremental_run_starts_one_hour_before_the_watermark() {
    let done = r#"{"state":"done","watermark":"2026-03-01T09:30:00Z"}"#;
    let (urls, _) = run(&audits::LOG, Some(done), 7, 1);
    assert_eq!(
        urls,
        [
            "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$top=999&$filter=activityDateTime%20ge%202026-03-01T08%3A30%3A00Z"
        ]
    );
}

#[test]
fn an_ancient_watermark_is_clamped_to_thirty_days_and_a_future_one_to_now() {
    let ancient = r#"{"state":"done","watermark":"2020-01-01T00:00:00Z"}"#;
    let (urls, _) = run(&signins::LOG, Some(ancient), 7, 1);
    assert!(
        urls[0].ends_with("ge%202026-01-30T12%3A00%3A00Z"),
        "{urls:?}"
    );
    let future = r#"{"state":"done","watermark":"2031-01-01T00:00:00Z"}"#;
    let (urls, _) = run(&signins::LOG, Some(future), 7, 1);
    assert!(
        urls[0].ends_with("ge%202026-03-01T12%3A00%3A00Z"),
        "{urls:?}"
    );
}

#[test]
fn a_403_on_sign_ins_means_the_licence_is_missing_and_the_stream_is_unavailable() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> {
        Err(crate::client::status_error(
            403,
            br#"{"error":{"code":"Authentication_RequestFromNonPremiumTenantOrB2CTenant","message":"Neither tenant is B2C or tenant doesn't have premium license"}}"#,
        ))
    };
    let error = sync(&signins::LOG, None, NOW, 7, &mut fetch).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("licence"), "{}", error.message);
    assert!(
        error
            .message
            .contains("Authentication_RequestFromNonPremiumTenantOrB2CTenant"),
        "{}",
        error.message
    );
}

#[test]
fn a_403_on_directory_audits_stays_a_permission_error_and_others_pass_through() {
    let mut refused = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::permission("no")) };
    let kind = sync(&audits::LOG, None, NOW, 7, &mut refused)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::Permission));
    let mut throttled = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::rate_limited("slow")) };
    let kind = sync(&signins::LOG, None, NOW, 7, &mut throttled)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::RateLimited));
}

fn activities(records: Vec<Record>) -> Vec<Activity> {
    records
        .into_iter()
        .filter_map(|r| match r {
            Record::Activity(a) => Some(a),
            _ => None,
        })
        .collect()
}

#[test]
fn sign_ins_map_error_code_zero_to_success_and_anything_else_to_failure() {
    let body = br#"{"value":[
      {"id":"66ea54eb-6301-4ee5-be62-ff5a759b0100","createdDateTime":"2026-03-01T10:00:00Z","userPrincipalName":"ada@contoso.com","userId":"u1","appDisplayName":"Azure Portal","ipAddress":"203.0.113.7","clientAppUsed":"Browser","status":{"errorCode":0},"location":{"city":"Redmond","countryOrRegion":"US"}},
      {"id":"s2","createdDateTime":"2026-03-01T10:05:00Z","userPrincipalName":"bob@contoso.com","status":{"errorCode":50126,"failureReason":"Invalid username or password."}},
      {"id":"s3","createdDateTime":"2026-03-01T10:06:00Z"},
      {"createdDateTime":"2026-03-01T10:07:00Z"}]}"#;
    let (records, next) = signins::parse_signins_page(body).unwrap();
    assert_eq!(next, None);
    let seen: Vec<_> = activities(records)
        .into_iter()
        .map(|a| {
            (
                a.id, a.outcome, a.actor, a.actor_ip, a.target, a.action, a.category,
            )
        })
        .collect();
    assert_eq!(
        seen[0],
        (
            "signin:66ea54eb-6301-4ee5-be62-ff5a759b0100".to_string(),
            Some("success".to_string()),
            Some("ada@contoso.com".to_string()),
            Some("203.0.113.7".to_string()),
            Some("Azure Portal".to_string()),
            "sign-in".to_string(),
            "sign-in".to_string()
        )
    );
    assert_eq!(seen[1].1.as_deref(), Some("failure"));
    assert_eq!(seen[2].1, None, "no status, no outcome");
    assert_eq!(seen.len(), 3);
}

#[test]
fn directory_audits_name_the_user_or_app_that_initiated_them_and_the_first_target() {
    let body = br#"{"value":[
      {"id":"Directory_ABC","category":"UserManagement","activityDateTime":"2026-03-01T10:00:00Z","activityDisplayName":"Add member to role","result":"success",
       "initiatedBy":{"user":{"id":"u1","userPrincipalName":"admin@contoso.com","ipAddress":"198.51.100.4"},"app":null},
       "targetResources":[{"id":"u2","type":"User","userPrincipalName":"bob@contoso.com"},{"id":"r","displayName":"Global Administrator"}]},
      {"id":"Directory_DEF","activityDateTime":"2026-03-01T11:00:00Z","activityDisplayName":"Update application","result":"failure",
       "initiatedBy":{"user":null,"app":{"appId":"a1","displayName":"Provisioning Service"}},
       "targetResources":[{"id":"x","displayName":"HR App","userPrincipalName":null}]}]}"#;
    let (records, _) = audits::parse_audits_page(body).unwrap();
    let seen: Vec<_> = activities(records)
        .into_iter()
        .map(|a| {
            (
                a.id, a.actor, a.actor_ip, a.action, a.target, a.outcome, a.category,
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        seen,
        [
            (
                "audit:Directory_ABC".to_string(),
                s("admin@contoso.com"),
                s("198.51.100.4"),
                "Add member to role".to_string(),
                s("bob@contoso.com"),
                s("success"),
                "directory-audit".to_string()
            ),
            (
                "audit:Directory_DEF".to_string(),
                s("Provisioning Service"),
                None,
                "Update application".to_string(),
                s("HR App"),
                s("failure"),
                "directory-audit".to_string()
            ),
        ]
    );
}

#[test]
fn a_bad_watermark_is_a_plugin_error() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(br#"{"value":[]}"#.to_vec()) };
    let bad = r#"{"state":"done","watermark":"yesterday"}"#;
    let kind = sync(&signins::LOG, Some(bad), NOW, 7, &mut fetch)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::Plugin));
}
