//! End to end: suspending and reactivating an Entra ID user through the real
//! Azure plugin against the Azure simulator, audited.

use crate::e2e_support;

use e2e_support::TestHost;
use plugboard_core::model::AccountStatus;
use plugboard_core::store::AccountQuery;
use plugboard_host::governance::{GovernanceRequest, perform};
use plugboard_host::registry::Grant;
use plugboard_sim::azure::AzureSimBuilder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_and_reactivate_an_entra_user_with_a_dry_run_first_all_audited() {
    let sim = AzureSimBuilder::new()
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let host = TestHost::with_azure().await;
    host.add_azure_instance("tenant", &sim);
    host.scan("tenant").await;
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let account = |status| AccountQuery {
        instance: Some("tenant".into()),
        status,
        limit: 10_000,
        ..Default::default()
    };
    let target = store
        .accounts(&account(Some(AccountStatus::Active)))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|a| !a.is_admin && sim.user_enabled(&a.account.id) == Some(true))
        .map(|a| a.account.id)
        .unwrap_or_else(|| panic!("no enabled non-admin user"));
    let (plugin, ctx) = host.open("tenant").await;
    let grant = Grant::all_requested(plugin.manifest(), "test");
    let req = |action: &str, dry_run| GovernanceRequest {
        instance: "tenant".into(),
        action: action.into(),
        target: target.clone(),
        dry_run,
        actor: "test".into(),
    };

    let dry = perform(&plugin, &ctx, &grant, store, &req("suspend-user", true))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!dry.applied);
    assert!(
        dry.detail.contains("PATCH") && dry.detail.contains(&target),
        "{}",
        dry.detail
    );
    assert!(
        !sim.request_log().iter().any(|r| r.method == "PATCH"),
        "a dry run must send nothing"
    );
    assert_eq!(sim.user_enabled(&target), Some(true));

    let done = perform(&plugin, &ctx, &grant, store, &req("suspend-user", false))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.applied, "{}", done.detail);
    assert_eq!(sim.user_enabled(&target), Some(false));
    host.scan("tenant").await;
    let status = store
        .accounts(&account(None))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|a| a.account.id == target)
        .map(|a| a.account.status);
    assert_eq!(
        status,
        Some(AccountStatus::Inactive),
        "the rescan sees the suspension"
    );

    let back = perform(&plugin, &ctx, &grant, store, &req("reactivate-user", false))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(back.applied, "{}", back.detail);
    assert_eq!(sim.user_enabled(&target), Some(true));

    let audit = store
        .audit(Some("tenant"), 100)
        .unwrap_or_else(|e| panic!("{e}"));
    let outcomes: Vec<(&str, &str)> = audit
        .iter()
        .rev()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("suspend-user", "dry-run"),
            ("suspend-user", "applied"),
            ("reactivate-user", "applied")
        ],
        "{audit:?}"
    );
    sim.shutdown().await;
}
