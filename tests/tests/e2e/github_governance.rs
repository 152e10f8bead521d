//! End to end: GitHub governance (remove a member, convert one to an outside
//! collaborator) with dry runs and audit, and posture from the org settings.

use crate::e2e_support;

use e2e_support::TestHost;
use plugboard_core::model::FindingStatus;
use plugboard_host::governance::{GovernanceRequest, perform};
use plugboard_host::registry::Grant;
use plugboard_sim::github::{GithubSim, GithubSimBuilder, OrgSettings};

async fn sim(builder: GithubSimBuilder) -> GithubSim {
    builder
        .members(12, 2)
        .outside_collaborators(2)
        .teams(2)
        .audit_events(20, 2)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_and_convert_run_after_a_dry_run_and_every_attempt_is_audited() {
    let sim = sim(GithubSimBuilder::new()).await;
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "token");
    let (plugin, ctx) = h.open("acme").await;
    let grant = Grant::all_requested(plugin.manifest(), "test");
    let store = h.app.store().unwrap_or_else(|e| panic!("{e}"));
    let plain = sim.a_plain_member().unwrap_or_else(|| panic!("no member"));
    let req = |action: &str, target: &str, dry_run| GovernanceRequest {
        instance: "acme".into(),
        action: action.into(),
        target: target.into(),
        dry_run,
        actor: "test".into(),
    };
    let dry = perform(
        &plugin,
        &ctx,
        &grant,
        store,
        &req("remove-member", &plain, true),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !dry.applied && dry.detail.contains("DELETE"),
        "{}",
        dry.detail
    );
    assert!(
        sim.request_log().iter().all(|r| r.method == "GET"),
        "a dry run sends nothing"
    );
    assert_eq!(sim.role_of(&plain), Some("member"));

    let done = perform(
        &plugin,
        &ctx,
        &grant,
        store,
        &req("remove-member", &plain, false),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.applied, "{}", done.detail);
    assert_eq!(sim.role_of(&plain), None, "removed");

    let other = sim.a_plain_member().unwrap_or_else(|| panic!("no member"));
    let converted = perform(
        &plugin,
        &ctx,
        &grant,
        store,
        &req("convert-to-outside-collaborator", &other, false),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(converted.applied, "{}", converted.detail);
    assert_eq!(sim.role_of(&other), Some("outside"));

    // The last owner cannot be converted: GitHub's 403 reaches the operator.
    let owners = sim.owners();
    let first = perform(
        &plugin,
        &ctx,
        &grant,
        store,
        &req("remove-member", &owners[0], false),
    )
    .await;
    assert!(first.is_ok(), "{first:?}");
    let last = perform(
        &plugin,
        &ctx,
        &grant,
        store,
        &req("convert-to-outside-collaborator", &owners[1], false),
    )
    .await;
    assert!(last.is_err(), "{last:?}");
    assert_eq!(sim.role_of(&owners[1]), Some("admin"));

    let audit = store
        .audit(Some("acme"), 100)
        .unwrap_or_else(|e| panic!("{e}"));
    let outcomes: Vec<&str> = audit.iter().rev().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes.len(), 5, "{audit:?}");
    assert_eq!(
        outcomes[..4],
        ["dry-run", "applied", "applied", "applied"],
        "{audit:?}"
    );
    assert_ne!(outcomes[4], "applied", "{audit:?}");
    let spec = plugboard_sim::spec::SpecValidator::load(
        plugboard_sim::spec::api_specs_dir().join("github.json"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for r in sim.request_log() {
        spec.validate_request(&r.method, &r.path, &r.query, r.body.as_ref())
            .unwrap_or_else(|p| panic!("{r:?}: {p:?}"));
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posture_follows_the_organization_settings() {
    let hardened = OrgSettings {
        two_factor_requirement_enabled: true,
        default_repository_permission: "read".into(),
        members_can_create_public_repositories: false,
        members_can_invite_outside_collaborators: false,
        web_commit_signoff_required: true,
        secret_scanning_push_protection_enabled_for_new_repositories: true,
    };
    for (settings, want) in [
        (OrgSettings::default(), FindingStatus::Fail),
        (hardened, FindingStatus::Pass),
    ] {
        let sim = sim(GithubSimBuilder::new().settings(settings)).await;
        let h = TestHost::with_github().await;
        h.add_github_instance("acme", &sim, "github-app");
        let (plugin, ctx) = h.open("acme").await;
        let found = plugin.assess(&ctx).await.unwrap_or_else(|e| panic!("{e}"));
        for id in [
            "github.two-factor-required",
            "github.base-permission",
            "github.public-repositories",
        ] {
            let got = found.iter().find(|f| f.id == id).map(|f| f.status);
            assert_eq!(got, Some(want), "{id}: {found:?}");
        }
        sim.shutdown().await;
    }
}
