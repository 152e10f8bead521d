//! End to end: Zoom posture findings and governance actions through the real plugin.

use crate::e2e_support;

use e2e_support::TestHost;
use plugboard_core::Blame;
use plugboard_core::model::{Finding, FindingStatus};
use plugboard_host::governance::{GovernanceRequest, perform};
use plugboard_host::registry::Grant;
use plugboard_sim::zoom::posture::{default_meeting_security, default_security};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};
use serde_json::{Value, json};

async fn sim(builder: ZoomSimBuilder) -> ZoomSim {
    builder
        .users(20, 2, 1)
        .activity_days(1)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn patched(mut base: Value, patch: Value) -> Value {
    if let (Some(b), Some(p)) = (base.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

async fn findings(security: Value, meeting_security: Value) -> Vec<Finding> {
    let sim = sim(ZoomSimBuilder::new()
        .security_settings(patched(default_security(), security))
        .meeting_security_settings(patched(default_meeting_security(), meeting_security)))
    .await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    let (plugin, ctx) = host.open("acme").await;
    let out = plugin
        .assess(&ctx)
        .await
        .unwrap_or_else(|e| panic!("assess: {e}"));
    sim.shutdown().await;
    out
}

fn status(findings: &[Finding], id: &str) -> FindingStatus {
    findings
        .iter()
        .find(|f| f.id == id)
        .map(|f| f.status)
        .unwrap_or_else(|| panic!("no finding {id} in {findings:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_zoom_check_passes_fails_or_is_partial_from_the_settings() {
    let cases: Vec<(&str, Value, Value, &str, FindingStatus)> = vec![
        (
            "mfa all",
            json!({"sign_in_with_two_factor_auth": "all"}),
            json!({}),
            "zoom.mfa-enforced",
            FindingStatus::Pass,
        ),
        (
            "mfa by group",
            json!({"sign_in_with_two_factor_auth": "group", "sign_in_with_two_factor_auth_groups": ["g1"]}),
            json!({}),
            "zoom.mfa-enforced",
            FindingStatus::Partial,
        ),
        (
            "mfa by role",
            json!({"sign_in_with_two_factor_auth": "role", "sign_in_with_two_factor_auth_roles": ["1"]}),
            json!({}),
            "zoom.mfa-enforced",
            FindingStatus::Partial,
        ),
        (
            "mfa off",
            json!({"sign_in_with_two_factor_auth": "none"}),
            json!({}),
            "zoom.mfa-enforced",
            FindingStatus::Fail,
        ),
        (
            "web timeout 15",
            json!({"sign_again_period_for_inactivity_on_web": 15}),
            json!({}),
            "zoom.web-session-timeout",
            FindingStatus::Pass,
        ),
        (
            "web timeout off",
            json!({"sign_again_period_for_inactivity_on_web": 0}),
            json!({}),
            "zoom.web-session-timeout",
            FindingStatus::Fail,
        ),
        (
            "e2ee on",
            json!({}),
            json!({"end_to_end_encrypted_meetings": true, "encryption_type": "e2ee"}),
            "zoom.e2ee-meetings",
            FindingStatus::Pass,
        ),
        (
            "e2ee off",
            json!({}),
            json!({"end_to_end_encrypted_meetings": false, "encryption_type": "enhanced_encryption"}),
            "zoom.e2ee-meetings",
            FindingStatus::Fail,
        ),
        (
            "strong passwords",
            json!({"password_requirement": {"minimum_password_length": 12, "have_special_character": true}}),
            json!({}),
            "zoom.password-policy",
            FindingStatus::Pass,
        ),
        (
            "weak passwords",
            json!({"password_requirement": {"minimum_password_length": 6, "have_special_character": false}}),
            json!({}),
            "zoom.password-policy",
            FindingStatus::Fail,
        ),
    ];
    for (name, security, meeting, id, want) in cases {
        let got = status(&findings(security, meeting).await, id);
        assert_eq!(got, want, "{name}: {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_meeting_e2e_encryption_does_not_count_as_end_to_end_encryption() {
    // The simulator's account settings carry in_meeting.e2e_encryption = true by
    // default, while end-to-end encrypted meetings are off.
    let found = findings(json!({}), json!({"end_to_end_encrypted_meetings": false})).await;
    assert_eq!(status(&found, "zoom.e2ee-meetings"), FindingStatus::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_then_rescan_shows_the_user_inactive_and_every_attempt_is_audited() {
    let sim = sim(ZoomSimBuilder::new()).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    host.scan("acme").await;
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let q = plugboard_core::store::AccountQuery {
        instance: Some("acme".into()),
        status: Some(plugboard_core::model::AccountStatus::Active),
        ..Default::default()
    };
    let target = store
        .accounts(&q)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|a| !a.is_admin)
        .map(|a| a.account.id)
        .unwrap_or_else(|| panic!("no active user"));
    let (plugin, ctx) = host.open("acme").await;
    let grant = Grant::all_requested(plugin.manifest(), "test");
    let req = |dry_run| GovernanceRequest {
        instance: "acme".into(),
        action: "suspend-user".into(),
        target: target.clone(),
        dry_run,
        actor: "test".into(),
    };

    let dry = perform(&plugin, &ctx, &grant, store, &req(true))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!dry.applied);
    assert!(
        dry.detail.contains("PUT") && dry.detail.contains(&target),
        "{}",
        dry.detail
    );
    assert!(
        !sim.request_log().iter().any(|r| r.method == "PUT"),
        "a dry run must send nothing"
    );
    assert_eq!(sim.user_status(&target).as_deref(), Some("active"));

    let done = perform(&plugin, &ctx, &grant, store, &req(false))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.applied, "{}", done.detail);
    assert_eq!(sim.user_status(&target).as_deref(), Some("inactive"));

    host.scan("acme").await;
    let row = store
        .accounts(&plugboard_core::store::AccountQuery {
            instance: Some("acme".into()),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|a| a.account.id == target);
    assert_eq!(
        row.map(|r| r.account.status),
        Some(plugboard_core::model::AccountStatus::Inactive),
        "the rescan sees the suspension"
    );

    let no_grant = Grant {
        actions: vec![],
        ..grant.clone()
    };
    let refused = perform(&plugin, &ctx, &no_grant, store, &req(false))
        .await
        .err()
        .unwrap_or_else(|| panic!("an ungranted action must be refused"));
    assert_eq!(refused.blame(), Blame::Plugin, "{refused}");

    let audit = store
        .audit(Some("acme"), 100)
        .unwrap_or_else(|e| panic!("{e}"));
    let outcomes: Vec<&str> = audit.iter().rev().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["dry-run", "applied", "denied"], "{audit:?}");
    sim.shutdown().await;
}
