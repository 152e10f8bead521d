//! Fixtures shared by the store tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use plugboard_core::model::{
    Account, AccountStatus, Activity, Group, GroupMember, Page, Record, RoleAssignment,
};
use plugboard_core::store::{InstanceRow, PluginRow, Store, StoreError};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn plugin(id: &str, version: &str) -> PluginRow {
    PluginRow {
        id: id.into(),
        version: version.into(),
        contract: "0.1.0".into(),
        manifest: format!("id = \"{id}\"\nversion = \"{version}\"\n"),
        wasm_sha256: "00".repeat(32),
        wasm_path: format!("/plugins/{id}-{version}.wasm"),
        grant_json: "{}".into(),
        info_json: "{}".into(),
        added_at: String::new(),
    }
}

pub fn instance(id: &str, plugin_id: &str) -> InstanceRow {
    InstanceRow {
        id: id.into(),
        plugin_id: plugin_id.into(),
        config_json: "{}".into(),
        upstreams_json: "{}".into(),
        enabled: true,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// An empty store of each backend, named: in-memory SQLite, and a fresh
/// database (named after `test`) of this test binary's PostgreSQL cluster.
/// Without PostgreSQL this fails, saying how to install it.
pub fn stores(test: &str) -> Result<Vec<(&'static str, Store)>, Box<dyn std::error::Error>> {
    let url = plugboard_pgcluster::database(test)?;
    Ok(vec![
        ("sqlite", Store::open_in_memory()?),
        ("postgres", Store::connect(&url)?),
    ])
}

/// A store with plugin `zoom` and the given instances of it.
pub fn store_with(store: Store, instances: &[&str]) -> Result<Store, StoreError> {
    store.put_plugin(&plugin("zoom", "1.0.0"))?;
    for id in instances {
        store.add_instance(&instance(id, "zoom"))?;
    }
    Ok(store)
}

pub fn account(id: &str, status: AccountStatus) -> Record {
    Record::Account(Account {
        id: id.into(),
        email: Some(format!("{id}@example.com")),
        display_name: Some(id.to_uppercase()),
        status,
        user_type: Some("basic".into()),
        created_at: Some("2025-01-01T00:00:00Z".into()),
        last_login_at: None,
        raw: "{}".into(),
    })
}

pub fn role(role_id: &str, account_id: &str, privileged: bool) -> Record {
    Record::RoleAssignment(RoleAssignment {
        role_id: role_id.into(),
        role_name: format!("Role {role_id}"),
        account_id: account_id.into(),
        email: None,
        privileged,
        raw: "{}".into(),
    })
}

pub fn group(id: &str) -> Record {
    Record::Group(Group {
        id: id.into(),
        name: format!("Group {id}"),
        member_count: Some(1),
        raw: "{}".into(),
    })
}

pub fn member(group_id: &str, account_id: &str) -> Record {
    Record::GroupMember(GroupMember {
        group_id: group_id.into(),
        account_id: account_id.into(),
        email: None,
    })
}

pub fn activity(id: &str, at: &str, actor: &str, action: &str) -> Record {
    Record::Activity(Activity {
        id: id.into(),
        occurred_at: at.into(),
        actor: Some(actor.into()),
        actor_ip: Some("203.0.113.7".into()),
        action: action.into(),
        category: "sign-in".into(),
        target: None,
        outcome: Some("success".into()),
        raw: "{}".into(),
    })
}

pub fn page(records: Vec<Record>, cursor: Option<&str>, more: bool) -> Page {
    Page {
        records,
        cursor: cursor.map(str::to_string),
        more,
    }
}
