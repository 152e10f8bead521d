//! Store: committing pages, checkpoints, queries and counts.

mod common;

use common::{TestResult, account, activity, group, member, page, role, store_with, stores};
use plugboard_core::Blame;
use plugboard_core::model::{Account, AccountStatus, Finding, FindingStatus, Record, Severity};
use plugboard_core::store::{
    AccountQuery, ActivityQuery, CommitStats, GroupQuery, MemberQuery, RoleQuery, Store, StoreError,
};

fn users_page() -> plugboard_core::model::Page {
    page(
        vec![
            account("u1", AccountStatus::Active),
            account("u2", AccountStatus::Inactive),
            account("u3", AccountStatus::Active),
            group("g1"),
            member("g1", "u1"),
            member("g1", "u2"),
            role("owner", "u1", true),
            role("admin", "u1", true),
            role("admin", "u2", true),
            role("member", "u3", false),
        ],
        Some("next-2"),
        true,
    )
}

#[test]
fn replaying_a_page_changes_no_content_and_reports_it_unchanged() -> TestResult {
    for (backend, store) in stores("replaying_a_page_changes_no_content_and_reports_it_unchanged")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let first = store.commit_page("acme", "users", &users_page())?;
        assert_eq!(
            first,
            CommitStats {
                inserted: 10,
                updated: 0,
                unchanged: 0
            }
        );
        let counts = store.counts(Some("acme"))?;
        let before = store.accounts(&AccountQuery::default())?;
        let second = store.commit_page("acme", "users", &users_page())?;
        assert_eq!(
            second,
            CommitStats {
                inserted: 0,
                updated: 0,
                unchanged: 10
            }
        );
        assert_eq!(store.counts(Some("acme"))?, counts);
        let after = store.accounts(&AccountQuery::default())?;
        let strip = |rows: Vec<plugboard_core::store::AccountRow>| {
            rows.into_iter()
                .map(|r| (r.instance, r.account, r.roles, r.first_seen))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(before), strip(after));
    }
    Ok(())
}

#[test]
fn a_changed_record_is_updated_and_keeps_first_seen() -> TestResult {
    for (backend, store) in stores("a_changed_record_is_updated_and_keeps_first_seen")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        store.commit_page(
            "acme",
            "users",
            &page(vec![account("u1", AccountStatus::Active)], None, false),
        )?;
        let first = store.accounts(&AccountQuery::default())?;
        let stats = store.commit_page(
            "acme",
            "users",
            &page(vec![account("u1", AccountStatus::Inactive)], None, false),
        )?;
        assert_eq!(stats.updated, 1, "{stats:?}");
        let rows = store.accounts(&AccountQuery::default())?;
        let (a, b) = (
            first.first().ok_or("no row")?,
            rows.first().ok_or("no row")?,
        );
        assert_eq!(b.account.status, AccountStatus::Inactive);
        assert_eq!(a.first_seen, b.first_seen);
        assert!(
            b.last_seen >= a.last_seen,
            "{} < {}",
            b.last_seen,
            a.last_seen
        );
    }
    Ok(())
}

#[test]
fn a_poorer_record_for_the_same_account_merges_instead_of_erasing() -> TestResult {
    for (backend, store) in
        stores("a_poorer_record_for_the_same_account_merges_instead_of_erasing")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let rich = Record::Account(Account {
            raw: r#"{"userType":"Member","mail":"u1@example.com"}"#.into(),
            ..match account("u1", AccountStatus::Active) {
                Record::Account(a) => a,
                _ => return Err("fixture".into()),
            }
        });
        store.commit_page("acme", "users", &page(vec![rich], None, false))?;
        // The same account seen as an activity caller: no name, status unknown.
        let poor = Record::Account(Account {
            id: "u1".into(),
            email: None,
            display_name: None,
            status: AccountStatus::Unknown,
            user_type: None,
            created_at: None,
            last_login_at: None,
            raw: r#"{"source":"arm-activity-caller"}"#.into(),
        });
        store.commit_page("acme", "activity-log", &page(vec![poor], None, false))?;
        let rows = store.accounts(&AccountQuery::default())?;
        let row = rows.first().ok_or("no row")?;
        assert_eq!(rows.len(), 1);
        assert_eq!(
            row.account.status,
            AccountStatus::Active,
            "unknown never overwrites a known status"
        );
        assert_eq!(row.account.email.as_deref(), Some("u1@example.com"));
        assert_eq!(row.account.display_name.as_deref(), Some("U1"));
        let raw: serde_json::Value = serde_json::from_str(&row.account.raw)?;
        assert_eq!(
            raw["mail"], "u1@example.com",
            "raw keeps the richer keys: {raw}"
        );
        assert_eq!(
            raw["source"], "arm-activity-caller",
            "raw gains the new keys: {raw}"
        );
    }
    Ok(())
}

#[test]
fn a_page_that_fails_midway_leaves_records_and_checkpoint_untouched() -> TestResult {
    for (backend, store) in
        stores("a_page_that_fails_midway_leaves_records_and_checkpoint_untouched")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        store.commit_page(
            "acme",
            "users",
            &page(vec![account("u0", AccountStatus::Active)], Some("c1"), true),
        )?;
        let before = store.counts(Some("acme"))?;
        let mut bad = account("u2", AccountStatus::Active);
        if let Record::Account(a) = &mut bad {
            a.raw = "{not json".into();
        }
        let failing = page(
            vec![
                account("u1", AccountStatus::Active),
                role("admin", "u1", true),
                bad,
            ],
            Some("c2"),
            false,
        );
        let err = store
            .commit_page("acme", "users", &failing)
            .err()
            .ok_or("bad page committed")?;
        assert_eq!(err.blame(), Blame::Host, "{err}");
        assert_eq!(store.counts(Some("acme"))?, before);
        let cp = store
            .checkpoint("acme", "users")?
            .ok_or("checkpoint lost")?;
        assert_eq!((cp.cursor.as_deref(), cp.in_progress), (Some("c1"), true));
    }
    Ok(())
}

#[test]
fn committing_to_a_removed_instance_is_refused_and_stores_nothing() -> TestResult {
    for (backend, store) in
        stores("committing_to_a_removed_instance_is_refused_and_stores_nothing")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "gone"])?;
        store.remove_instance("gone")?;
        let err = store
            .commit_page("gone", "users", &users_page())
            .err()
            .ok_or("committed")?;
        assert!(
            matches!(
                err,
                StoreError::NotFound {
                    what: "instance",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(store.counts(None)?.users, 0);
        assert_eq!(store.checkpoint("gone", "users")?, None);
    }
    Ok(())
}

#[test]
fn activities_de_duplicate_on_their_id() -> TestResult {
    for (backend, store) in stores("activities_de_duplicate_on_their_id")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let a = activity("e1", "2026-01-01T10:00:00Z", "alice", "login");
        let b = activity("e2", "2026-01-01T11:00:00Z", "bob", "login");
        let stats =
            store.commit_page("acme", "activities", &page(vec![a.clone(), b], None, false))?;
        assert_eq!(stats.inserted, 2);
        // The overlap window re-delivers e1.
        let stats = store.commit_page(
            "acme",
            "activities",
            &page(
                vec![a, activity("e3", "2026-01-01T12:00:00Z", "alice", "logout")],
                None,
                false,
            ),
        )?;
        assert_eq!(
            stats,
            CommitStats {
                inserted: 1,
                updated: 0,
                unchanged: 1
            }
        );
        assert_eq!(store.counts(Some("acme"))?.activities, 3);
    }
    Ok(())
}

#[test]
fn admins_are_counted_once_however_many_privileged_roles_they_hold() -> TestResult {
    for (backend, store) in
        stores("admins_are_counted_once_however_many_privileged_roles_they_hold")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        store.commit_page("acme", "users", &users_page())?;
        store.commit_page(
            "beta",
            "users",
            &page(
                vec![
                    account("u1", AccountStatus::Active),
                    role("admin", "u1", true),
                ],
                None,
                false,
            ),
        )?;
        let acme = store.counts(Some("acme"))?;
        assert_eq!(
            acme.admins, 2,
            "u1 holds two privileged roles, u2 one: {acme:?}"
        );
        assert_eq!(
            (
                acme.users,
                acme.active_users,
                acme.groups,
                acme.group_members
            ),
            (3, 2, 1, 2)
        );
        assert_eq!(
            store.counts(None)?.admins,
            3,
            "u1 in beta is another account"
        );
    }
    Ok(())
}

#[test]
fn account_queries_derive_admin_status_and_roles() -> TestResult {
    for (backend, store) in stores("account_queries_derive_admin_status_and_roles")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        store.commit_page("acme", "users", &users_page())?;
        store.commit_page(
            "beta",
            "users",
            &page(vec![account("u9", AccountStatus::Active)], None, false),
        )?;
        let admins = store.accounts(&AccountQuery {
            admins_only: true,
            ..Default::default()
        })?;
        let ids: Vec<_> = admins.iter().map(|r| r.account.id.as_str()).collect();
        assert_eq!(ids, ["u1", "u2"]);
        let u1 = admins.first().ok_or("no u1")?;
        assert_eq!(u1.roles, ["Role admin", "Role owner"]);
        assert!(u1.is_admin);
        let active_acme = store.accounts(&AccountQuery {
            instance: Some("acme".into()),
            status: Some(AccountStatus::Active),
            ..Default::default()
        })?;
        let ids: Vec<_> = active_acme
            .iter()
            .map(|r| (r.account.id.as_str(), r.is_admin))
            .collect();
        assert_eq!(ids, [("u1", true), ("u3", false)]);
        let paged = store.accounts(&AccountQuery {
            limit: 2,
            offset: 2,
            ..Default::default()
        })?;
        let ids: Vec<_> = paged
            .iter()
            .map(|r| (r.instance.as_str(), r.account.id.as_str()))
            .collect();
        assert_eq!(ids, [("acme", "u3"), ("beta", "u9")]);
    }
    Ok(())
}

#[test]
fn activity_queries_filter_and_list_newest_first() -> TestResult {
    for (backend, store) in stores("activity_queries_filter_and_list_newest_first")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let records = vec![
            activity("e1", "2026-01-01T10:00:00Z", "alice", "login"),
            activity("e2", "2026-01-02T10:00:00Z", "bob", "login"),
            activity("e3", "2026-01-03T10:00:00Z", "alice", "logout"),
            activity("e4", "2026-01-04T10:00:00Z", "alice", "login"),
        ];
        store.commit_page("acme", "activities", &page(records, None, false))?;
        let ids = |q: ActivityQuery| -> Result<Vec<String>, StoreError> {
            Ok(store
                .activities(&q)?
                .into_iter()
                .map(|(_, a)| a.id)
                .collect())
        };
        assert_eq!(ids(ActivityQuery::default())?, ["e4", "e3", "e2", "e1"]);
        assert_eq!(
            ids(ActivityQuery {
                actor: Some("alice".into()),
                action: Some("login".into()),
                ..Default::default()
            })?,
            ["e4", "e1"]
        );
        assert_eq!(
            ids(ActivityQuery {
                since: Some("2026-01-02T10:00:00Z".into()),
                until: Some("2026-01-04T10:00:00Z".into()),
                ..Default::default()
            })?,
            ["e3", "e2"]
        );
        assert_eq!(
            ids(ActivityQuery {
                limit: 1,
                offset: 1,
                ..Default::default()
            })?,
            ["e3"]
        );
    }
    Ok(())
}

#[test]
fn a_checkpoint_round_trips_and_resets() -> TestResult {
    for (backend, store) in stores("a_checkpoint_round_trips_and_resets")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        assert_eq!(store.checkpoint("acme", "users")?, None);
        store.commit_page("acme", "users", &page(vec![], Some("page-2"), true))?;
        let cp = store.checkpoint("acme", "users")?.ok_or("no checkpoint")?;
        assert_eq!(
            (cp.cursor.as_deref(), cp.in_progress),
            (Some("page-2"), true)
        );
        store.commit_page("acme", "users", &page(vec![], None, false))?;
        let cp = store.checkpoint("acme", "users")?.ok_or("no checkpoint")?;
        assert_eq!((cp.cursor, cp.in_progress), (None, false));
        assert_eq!(store.checkpoints("acme")?.len(), 1);
        assert_eq!(store.reset_checkpoints("acme")?, 1);
        assert_eq!(store.checkpoint("acme", "users")?, None);
    }
    Ok(())
}

#[test]
fn one_streams_checkpoint_resets_and_the_others_stay() -> TestResult {
    for (backend, store) in stores("one_streams_checkpoint_resets_and_the_others_stay")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        for (instance, stream) in [("acme", "users"), ("acme", "groups"), ("beta", "users")] {
            store.commit_page(instance, stream, &page(vec![], Some("c"), true))?;
        }
        assert!(store.reset_checkpoint("acme", "users")?);
        assert!(!store.reset_checkpoint("acme", "users")?, "already gone");
        assert_eq!(store.checkpoint("acme", "users")?, None);
        assert!(store.checkpoint("acme", "groups")?.is_some());
        assert!(store.checkpoint("beta", "users")?.is_some());
    }
    Ok(())
}

/// Two instances' directories: `acme` with groups g1 (named "Zeta", members
/// u1 and u2) and g2 ("Alpha", member u3) and a membership of a group never
/// listed; `beta` with one group.
fn directory(store: &Store) -> TestResult {
    let named = |id: &str, name: &str| {
        Record::Group(plugboard_core::model::Group {
            id: id.into(),
            name: name.into(),
            member_count: Some(7),
            raw: "{}".into(),
        })
    };
    let records = vec![
        account("u1", AccountStatus::Active),
        account("u2", AccountStatus::Active),
        account("u3", AccountStatus::Inactive),
        named("g1", "Zeta"),
        named("g2", "Alpha"),
        member("g1", "u2"),
        member("g1", "u1"),
        member("g2", "u3"),
        member("unlisted", "u1"),
        role("owner", "u1", true),
        role("member", "u2", false),
        role("admin", "u3", true),
    ];
    store.commit_page("acme", "directory", &page(records, None, false))?;
    let beta = vec![account("u9", AccountStatus::Active), named("g9", "Beta")];
    store.commit_page("beta", "directory", &page(beta, None, false))?;
    Ok(())
}

#[test]
fn group_queries_list_by_name_with_stored_member_counts_and_page() -> TestResult {
    for (backend, store) in stores("group_queries_list_by_name_with_stored_member_counts")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        directory(&store)?;
        let rows = store.groups(&GroupQuery::default())?;
        let seen: Vec<_> = rows
            .iter()
            .map(|r| (r.instance.as_str(), r.group.name.as_str(), r.members))
            .collect();
        assert_eq!(
            seen,
            [
                ("acme", "Alpha", 1),
                ("acme", "Zeta", 2),
                ("beta", "Beta", 0)
            ]
        );
        assert_eq!(rows.first().and_then(|r| r.group.member_count), Some(7));
        let beta = store.groups(&GroupQuery {
            instance: Some("beta".into()),
            ..Default::default()
        })?;
        assert_eq!(beta.len(), 1);
        let page2 = store.groups(&GroupQuery {
            limit: 1,
            offset: 1,
            ..Default::default()
        })?;
        let ids: Vec<_> = page2.iter().map(|r| r.group.id.as_str()).collect();
        assert_eq!(ids, ["g1"]);
    }
    Ok(())
}

#[test]
fn member_queries_name_the_group_fill_in_emails_filter_and_page() -> TestResult {
    for (backend, store) in stores("member_queries_name_the_group_fill_in_emails")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        directory(&store)?;
        let rows = store.group_members(&MemberQuery::default())?;
        let seen: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.group_name.as_deref(),
                    r.group_id.as_str(),
                    r.account_id.as_str(),
                )
            })
            .collect();
        // A membership of a group that was never stored sorts first, unnamed.
        assert_eq!(
            seen,
            [
                (None, "unlisted", "u1"),
                (Some("Alpha"), "g2", "u3"),
                (Some("Zeta"), "g1", "u1"),
                (Some("Zeta"), "g1", "u2"),
            ]
        );
        let emails: Vec<_> = rows.iter().map(|r| r.email.as_deref()).collect();
        assert!(
            emails
                .iter()
                .all(|e| e.is_some_and(|e| e.ends_with("@example.com"))),
            "the account's email fills in: {emails:?}"
        );
        let g1 = store.group_members(&MemberQuery {
            instance: Some("acme".into()),
            group: Some("g1".into()),
            ..Default::default()
        })?;
        assert_eq!(g1.len(), 2);
        let u1 = store.group_members(&MemberQuery {
            account: Some("u1".into()),
            ..Default::default()
        })?;
        assert_eq!(u1.len(), 2);
        let paged = store.group_members(&MemberQuery {
            limit: 2,
            offset: 2,
            ..Default::default()
        })?;
        let ids: Vec<_> = paged.iter().map(|r| r.account_id.as_str()).collect();
        assert_eq!(ids, ["u1", "u2"]);
        let none = store.group_members(&MemberQuery {
            instance: Some("beta".into()),
            ..Default::default()
        })?;
        assert!(none.is_empty());
    }
    Ok(())
}

#[test]
fn role_queries_list_by_role_name_filter_privileged_and_page() -> TestResult {
    for (backend, store) in stores("role_queries_list_by_role_name_filter_privileged")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        directory(&store)?;
        let rows = store.role_assignments(&RoleQuery::default())?;
        let seen: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.assignment.role_name.as_str(),
                    r.assignment.account_id.as_str(),
                    r.assignment.privileged,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Role admin", "u3", true),
                ("Role member", "u2", false),
                ("Role owner", "u1", true),
            ]
        );
        assert_eq!(
            rows.first().and_then(|r| r.assignment.email.as_deref()),
            Some("u3@example.com"),
            "the account's email fills in"
        );
        let admins = store.role_assignments(&RoleQuery {
            instance: Some("acme".into()),
            privileged_only: true,
            ..Default::default()
        })?;
        let ids: Vec<_> = admins
            .iter()
            .map(|r| r.assignment.account_id.as_str())
            .collect();
        assert_eq!(ids, ["u3", "u1"]);
        let u2 = store.role_assignments(&RoleQuery {
            account: Some("u2".into()),
            ..Default::default()
        })?;
        assert_eq!(u2.len(), 1);
        let paged = store.role_assignments(&RoleQuery {
            limit: 1,
            offset: 2,
            ..Default::default()
        })?;
        let ids: Vec<_> = paged
            .iter()
            .map(|r| r.assignment.role_id.as_str())
            .collect();
        assert_eq!(ids, ["owner"]);
        let beta = store.role_assignments(&RoleQuery {
            instance: Some("beta".into()),
            ..Default::default()
        })?;
        assert!(beta.is_empty());
    }
    Ok(())
}

#[test]
fn findings_are_replaced_as_a_whole() -> TestResult {
    for (backend, store) in stores("findings_are_replaced_as_a_whole")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let finding = |id: &str, status| Finding {
            id: id.into(),
            title: format!("Check {id}"),
            severity: Severity::High,
            status,
            evidence: "{}".into(),
            remediation: "Turn it on".into(),
        };
        store.replace_findings(
            "acme",
            &[
                finding("mfa", FindingStatus::Fail),
                finding("sso", FindingStatus::Pass),
            ],
        )?;
        store.replace_findings("acme", &[finding("mfa", FindingStatus::Fail)])?;
        let found = store.findings(Some("acme"))?;
        assert_eq!(
            found,
            [("acme".to_string(), finding("mfa", FindingStatus::Fail))]
        );
        let counts = store.counts(Some("acme"))?;
        assert_eq!((counts.findings, counts.failed_findings), (1, 1));
    }
    Ok(())
}

#[test]
fn a_page_of_300_records_commits_every_record_on_disk() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = plugboard_pgcluster::database("a_page_of_300_records")?;
    let on_disk = [
        (
            "sqlite file",
            Store::open(&dir.path().join("plugboard.db"))?,
        ),
        ("postgres", Store::connect(&url)?),
    ];
    for (backend, store) in on_disk {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let accounts = |range: std::ops::Range<u32>| -> Vec<Record> {
            range
                .map(|i| account(&format!("u{i}"), AccountStatus::Active))
                .collect()
        };
        // How fast this is belongs to `plugboard-bench --only scan`, not to a test.
        store.commit_page("acme", "users", &page(accounts(0..300), Some("p2"), true))?;
        let stats = store.commit_page("acme", "users", &page(accounts(300..600), None, false))?;
        assert_eq!(stats.inserted, 300);
        assert_eq!(store.counts(Some("acme"))?.users, 600);
    }
    Ok(())
}

#[test]
fn a_page_past_the_daily_cap_is_refused_whole_and_blamed_on_the_plugin() -> TestResult {
    use plugboard_core::store::{DailyCap, DailyUsage};
    let three = |cursor: &str| {
        page(
            vec![
                account(&format!("{cursor}-1"), AccountStatus::Active),
                account(&format!("{cursor}-2"), AccountStatus::Active),
                account(&format!("{cursor}-3"), AccountStatus::Active),
            ],
            Some(cursor),
            true,
        )
    };
    let bytes = three("a").text_bytes();
    let cap = Some(DailyCap {
        records: 7,
        bytes: 1 << 20,
    });
    for (backend, store) in
        stores("a_page_past_the_daily_cap_is_refused_whole_and_blamed_on_the_plugin")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "other"])?;
        store.commit_page_capped("acme", "users", &three("a"), cap)?;
        store.commit_page_capped("acme", "users", &three("b"), cap)?;
        assert_eq!(
            store.usage_today("acme")?,
            DailyUsage {
                records: 6,
                bytes: bytes * 2
            },
            "{backend}"
        );
        let refused = store.commit_page_capped("acme", "users", &three("c"), cap);
        match &refused {
            Err(
                e @ StoreError::DailyCapReached {
                    what,
                    used,
                    page,
                    cap,
                    ..
                },
            ) => {
                assert_eq!(
                    (*what, *used, *page, *cap),
                    ("records", 6, 3, 7),
                    "{backend}"
                );
                assert_eq!(e.blame(), Blame::Plugin, "{backend}");
                assert!(e.to_string().contains("--max-records-per-day"), "{e}");
            }
            other => panic!("{backend}: expected the daily cap, got {other:?}"),
        }
        // Nothing of the refused page is stored and the checkpoint stays.
        assert_eq!(store.counts(Some("acme"))?.users, 6, "{backend}");
        let checkpoint = store.checkpoint("acme", "users")?.and_then(|c| c.cursor);
        assert_eq!(checkpoint.as_deref(), Some("b"), "{backend}");
        assert_eq!(store.usage_today("acme")?.records, 6, "{backend}");
        // Another instance has its own day; bytes are capped as well.
        let tight = Some(DailyCap {
            records: 100,
            bytes: bytes - 1,
        });
        let refused = store.commit_page_capped("other", "users", &three("a"), tight);
        assert!(
            matches!(
                refused,
                Err(StoreError::DailyCapReached { what: "bytes", .. })
            ),
            "{backend}: {refused:?}"
        );
        assert_eq!(
            store.usage_today("other")?,
            DailyUsage::default(),
            "{backend}"
        );
        // An uncapped commit still counts towards the day.
        store.commit_page("other", "users", &three("a"))?;
        assert_eq!(store.usage_today("other")?.records, 3, "{backend}");
    }
    Ok(())
}

#[test]
fn merging_raw_never_grows_an_account_past_the_raw_limit() -> TestResult {
    let with_raw = |i: usize| {
        let mut a = account("u1", AccountStatus::Active);
        if let Record::Account(acc) = &mut a {
            acc.raw = format!("{{\"k{i}\":\"{}\"}}", "x".repeat(100 << 10));
        }
        page(vec![a], None, false)
    };
    for (backend, store) in stores("merging_raw_never_grows_an_account_past_the_raw_limit")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        for i in 0..6 {
            store.commit_page("acme", "users", &with_raw(i))?;
        }
        let rows = store.accounts(&AccountQuery::default())?;
        let raw = &rows.first().ok_or("no account")?.account.raw;
        assert!(
            raw.len() <= 256 << 10,
            "{backend}: raw grew to {} bytes",
            raw.len()
        );
        assert!(raw.contains("\"k5\""), "{backend}: the newest raw is kept");
    }
    Ok(())
}
