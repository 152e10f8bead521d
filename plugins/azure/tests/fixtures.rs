//! Recorded-looking Azure and Graph pages (`tests/fixtures/`) through the page
//! parsers. Every fixture file is used by a test here.

#![allow(clippy::unwrap_used, reason = "tests")]

use plugboard_azure::client::status_error;
use plugboard_azure::graph_logs;
use plugboard_azure::groups::{GroupRef, parse_groups_page, parse_members_page};
use plugboard_azure::posture::{findings, parse_holders_page};
use plugboard_azure::roles::{parse_role_members_page, parse_roles_page};
use plugboard_azure::subscriptions::summary;
use plugboard_azure::{
    parse_audits_page, parse_events_page, parse_signins_page, parse_subscriptions_page,
    parse_users_page,
};
use plugboard_sdk::{Account, AccountStatus, Activity, Error, ErrorKind, FindingStatus, Record};
use std::collections::HashSet;

const USERS: &[u8] = include_bytes!("fixtures/graph_users_page.json");
const GROUPS: &[u8] = include_bytes!("fixtures/graph_groups_page.json");
const GROUP_MEMBERS: &[u8] = include_bytes!("fixtures/graph_group_members_page.json");
const ROLES: &[u8] = include_bytes!("fixtures/graph_directory_roles.json");
const ROLE_MEMBERS: &[u8] = include_bytes!("fixtures/graph_role_members.json");
const SIGNINS: &[u8] = include_bytes!("fixtures/graph_signins_page.json");
const SIGNINS_403: &[u8] = include_bytes!("fixtures/graph_signins_403.json");
const AUDITS: &[u8] = include_bytes!("fixtures/graph_directory_audits_page.json");
const SUBSCRIPTIONS: &[u8] = include_bytes!("fixtures/arm_subscriptions.json");
const ACTIVITY: &[u8] = include_bytes!("fixtures/arm_activity_page.json");

fn accounts(records: &[Record]) -> Vec<&Account> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn activities(records: &[Record]) -> Vec<&Activity> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Activity(a) => Some(a),
            _ => None,
        })
        .collect()
}

#[test]
fn a_users_page_gives_fifty_accounts_with_guests_disabled_users_and_a_next_link() {
    let (records, next) = parse_users_page(USERS).unwrap();
    assert!(next.unwrap().contains("$skiptoken="));
    let users = accounts(&records);
    assert_eq!(users.len(), 50);
    let ids: HashSet<_> = users.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 50, "object ids are unique");
    let guests = users
        .iter()
        .filter(|a| a.user_type.as_deref() == Some("guest"))
        .count();
    let disabled = users
        .iter()
        .filter(|a| a.status == AccountStatus::Inactive)
        .count();
    assert_eq!((guests, disabled), (5, 6));
    assert!(
        users
            .iter()
            .all(|a| a.email.is_some() && a.created_at.is_some())
    );
}

#[test]
fn a_groups_page_gives_six_groups() {
    let (records, next) = parse_groups_page(GROUPS).unwrap();
    assert_eq!((records.len(), next), (6, None));
}

#[test]
fn a_group_members_page_keeps_the_ten_users_and_skips_the_nested_group_and_device() {
    let group = GroupRef { id: "g".into() };
    let (records, next) = parse_members_page(&group, GROUP_MEMBERS).unwrap();
    assert_eq!(records.len(), 10);
    assert!(
        next.unwrap()
            .starts_with("https://graph.microsoft.com/v1.0/groups/")
    );
}

#[test]
fn role_members_become_privileged_assignments_and_feed_the_posture_findings() {
    let (roles, _) = parse_roles_page(ROLES).unwrap();
    assert_eq!(roles.len(), 3);
    assert_eq!(
        roles[0].template.as_deref(),
        Some("62e90394-69f5-4237-9190-012177145e10")
    );
    let (records, _) = parse_role_members_page(&roles[0], ROLE_MEMBERS).unwrap();
    assert_eq!(records.len(), 5, "four users and a service principal");
    let (holders, _) = parse_holders_page(&roles[0], ROLE_MEMBERS).unwrap();
    let found = findings(&holders);
    let status: Vec<_> = found.iter().map(|f| (f.id.as_str(), f.status)).collect();
    assert_eq!(
        status,
        [
            ("azure.privileged-role-members", FindingStatus::Pass),
            ("azure.guest-admins", FindingStatus::Fail),
            ("azure.disabled-admins", FindingStatus::Fail),
        ]
    );
}

#[test]
fn a_sign_ins_page_gives_thirty_activities_five_of_them_failures() {
    let (records, next) = parse_signins_page(SIGNINS).unwrap();
    assert!(next.is_some());
    let signins = activities(&records);
    assert_eq!(signins.len(), 30);
    let failures = signins
        .iter()
        .filter(|a| a.outcome.as_deref() == Some("failure"))
        .count();
    assert_eq!(failures, 5);
    assert!(
        signins
            .iter()
            .all(|a| a.id.starts_with("signin:") && a.actor_ip.is_some())
    );
}

#[test]
fn the_sign_ins_licence_error_becomes_unavailable() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Err(status_error(403, SIGNINS_403)) };
    let env = plugboard_sdk::stream::Env {
        now_ms: 1_772_366_400_000,
        lookback_days: 7,
    };
    let error = graph_logs::SIGN_INS
        .sync(None, env, &mut fetch)
        .err()
        .unwrap();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(
        error.message.contains("premium license"),
        "{}",
        error.message
    );
}

#[test]
fn a_directory_audits_page_names_user_and_app_initiators() {
    let (records, next) = parse_audits_page(AUDITS).unwrap();
    assert_eq!(next, None);
    let audits = activities(&records);
    assert_eq!(audits.len(), 12);
    let by_app = audits
        .iter()
        .filter(|a| a.actor.as_deref() == Some("Microsoft Intune"))
        .count();
    assert_eq!(by_app, 4);
    assert!(audits.iter().all(|a| a.target.is_some()));
}

#[test]
fn the_subscriptions_list_has_three_enabled_and_one_disabled() {
    let (subscriptions, next) = parse_subscriptions_page(SUBSCRIPTIONS).unwrap();
    assert_eq!(next, None);
    let summary = summary(&subscriptions);
    assert_eq!(summary["subscriptions"]["enabled"], 3);
    assert_eq!(summary["subscriptions"]["total"], 4);
    assert_eq!(summary["subscriptions"]["ids"].as_array().unwrap().len(), 3);
}

#[test]
fn an_activity_log_page_gives_forty_activities_and_one_account_per_caller() {
    let (records, next) = parse_events_page(ACTIVITY, None).unwrap();
    assert!(next.unwrap().contains("$skipToken="));
    assert_eq!(activities(&records).len(), 40);
    let callers = accounts(&records);
    assert_eq!(callers.len(), 4);
    let service_principals = callers
        .iter()
        .filter(|a| a.user_type.as_deref() == Some("service-principal"))
        .count();
    assert_eq!(service_principals, 2, "the app id and Microsoft.Advisor");
    let advisor = callers
        .iter()
        .find(|a| a.id == "Microsoft.Advisor")
        .unwrap();
    assert_eq!(advisor.email, None);
    let raw: HashSet<_> = callers
        .iter()
        .map(|a| a.raw.contains("arm-activity-caller"))
        .collect();
    assert_eq!(raw, HashSet::from([true]));
}
