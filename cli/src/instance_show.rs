//! `plugboard instance show NAME`: one instance's settings, data and health,
//! as the daemon's scheduler left it (works with or without a daemon).

use std::collections::BTreeMap;

use plugboard_core::store::{InstanceRow, ScheduleRow, Store, SyncRun};
use serde_json::{Value, json};

use super::table::{print_json, table};
use plugboard_host::instance::InstanceError;
use plugboard_host::instance::connect::{ConnectionState, connection_states};

/// Print instance `name`: settings, secret names (never values), routes,
/// what it holds, each phase's last start, success, error and next run, and
/// its last sync runs.
pub fn show(store: &Store, name: &str, json_out: bool) -> anyhow::Result<()> {
    let row = store
        .instance(name)?
        .ok_or_else(|| InstanceError::NotFound(name.to_string()))?;
    let config: BTreeMap<String, String> =
        serde_json::from_str(&row.config_json).unwrap_or_default();
    let upstreams: BTreeMap<String, String> =
        serde_json::from_str(&row.upstreams_json).unwrap_or_default();
    let secrets = store.secret_names(name)?;
    let counts = store.counts(Some(name))?;
    let phases = store.schedule(name)?;
    let runs = store.last_runs(name, 5)?;
    if json_out {
        let mut out = instance_json(store, &row)?;
        out["secrets"] = json!(secrets);
        out["phases"] = json!(phases);
        out["runs"] = runs.iter().map(run_json).collect();
        return print_json(&out);
    }
    let state = if row.enabled { "enabled" } else { "disabled" };
    println!("instance {} (plugin {}), {state}", row.id, row.plugin_id);
    for c in connections(store, &row)? {
        let status = c.status.replace('-', " ");
        match &c.detail {
            Some(d) => println!("  auth     {} {status}: {d}", c.profile),
            None => println!("  auth     {} {status}", c.profile),
        }
    }
    for (key, value) in &config {
        println!("  setting  {key} = {value}");
    }
    for secret in &secrets {
        println!("  secret   {secret} (sealed)");
    }
    for (origin, base) in &upstreams {
        println!("  route    {origin} -> {base}");
    }
    println!(
        "  holds    {} users ({} active), {} groups, {} admins, {} activities, {} findings ({} failing)",
        counts.users,
        counts.active_users,
        counts.groups,
        counts.admins,
        counts.activities,
        counts.findings,
        counts.failed_findings
    );
    if !phases.is_empty() {
        phase_table(&phases).print()?;
    }
    if !runs.is_empty() {
        let mut t = table(&["run", "started", "finished", "status", "error"]);
        for r in &runs {
            t.add_row(vec![
                r.id.to_string(),
                r.started_at.clone(),
                r.finished_at.clone().unwrap_or_else(|| "-".into()),
                r.status.as_str().to_string(),
                error_text(r.error_blame, r.error_message.as_deref()),
            ]);
        }
        t.print()?;
    }
    Ok(())
}

/// The JSON view of instance `row`, as `instance list --json` prints each
/// instance and `instance show --json` starts: settings, routes, what it
/// holds and its health (never its secrets, not even their names here).
pub fn instance_json(store: &Store, row: &InstanceRow) -> anyhow::Result<Value> {
    let config: BTreeMap<String, String> =
        serde_json::from_str(&row.config_json).unwrap_or_default();
    let upstreams: BTreeMap<String, String> =
        serde_json::from_str(&row.upstreams_json).unwrap_or_default();
    Ok(json!({
        "id": row.id,
        "plugin": row.plugin_id,
        "enabled": row.enabled,
        "config": config,
        "upstreams": upstreams,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "counts": store.counts(Some(&row.id))?,
        "health": health(&store.schedule(&row.id)?),
        "connections": connections(store, row)?,
    }))
}

/// The consent-flow connections of `row` (empty when its settings select
/// none, or its plugin is gone).
pub fn connections(store: &Store, row: &InstanceRow) -> anyhow::Result<Vec<ConnectionState>> {
    let Some(plugin) = store.plugin(&row.plugin_id)? else {
        return Ok(Vec::new());
    };
    let Ok(manifest) = plugboard_host::manifest::Manifest::parse(&plugin.manifest) else {
        return Ok(Vec::new());
    };
    Ok(connection_states(store, &manifest, row)?)
}

/// `health`, led by what an operator must do about a connection.
pub fn health_with_connections(phases: &[ScheduleRow], connections: &[ConnectionState]) -> String {
    let words: Vec<String> = connections
        .iter()
        .filter(|c| c.status != "connected")
        .map(|c| format!("{} ({})", c.status.replace('-', " "), c.profile))
        .collect();
    if words.is_empty() {
        health(phases)
    } else {
        format!("{}; {}", words.join(", "), health(phases))
    }
}

/// One word on an instance's health from the daemon's schedule: the phases
/// failing now with who is to blame, `ok` when every phase that ran last
/// succeeded, `-` when the daemon has not run it.
pub fn health(phases: &[ScheduleRow]) -> String {
    let failing: Vec<String> = phases
        .iter()
        .filter(|p| p.last_error.is_some())
        .map(|p| match p.last_error_blame {
            Some(blame) => format!("{} ({blame})", p.phase),
            None => p.phase.clone(),
        })
        .collect();
    if !failing.is_empty() {
        format!("failing: {}", failing.join(", "))
    } else if phases.iter().any(|p| p.last_success_at.is_some()) {
        "ok".into()
    } else {
        "-".into()
    }
}

/// The daemon's per-phase schedule as a table.
fn phase_table(phases: &[ScheduleRow]) -> super::table::Table {
    let mut t = table(&[
        "phase",
        "last start",
        "last success",
        "next run",
        "last error",
    ]);
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for p in phases {
        t.add_row(vec![
            p.phase.clone(),
            or_dash(&p.last_started_at),
            or_dash(&p.last_success_at),
            or_dash(&p.next_run_at),
            error_text(p.last_error_blame, p.last_error.as_deref()),
        ]);
    }
    t
}

fn error_text(blame: Option<plugboard_core::Blame>, message: Option<&str>) -> String {
    match (blame, message) {
        (Some(blame), Some(m)) => format!("({blame}) {m}"),
        (None, Some(m)) => m.to_string(),
        _ => "-".into(),
    }
}

fn run_json(r: &SyncRun) -> Value {
    json!({
        "id": r.id,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "status": r.status.as_str(),
        "error_blame": r.error_blame,
        "error": r.error_message,
        "stats": serde_json::from_str::<Value>(&r.stats_json).unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use plugboard_core::Blame;

    use super::*;

    fn phase(name: &str, success: bool, error: Option<Blame>) -> ScheduleRow {
        ScheduleRow {
            phase: name.into(),
            last_started_at: Some("2026-12-05T00:00:00Z".into()),
            last_success_at: success.then(|| "2026-12-05T00:00:01Z".into()),
            last_error_at: error.map(|_| "2026-12-05T00:00:02Z".into()),
            last_error_blame: error,
            last_error: error.map(|_| "it failed".into()),
            next_run_at: None,
        }
    }

    #[test]
    fn health_names_the_failing_phases_and_their_blame() {
        assert_eq!(health(&[]), "-");
        assert_eq!(health(&[phase("accounts", false, None)]), "-");
        assert_eq!(
            health(&[phase("accounts", true, None), phase("posture", true, None)]),
            "ok"
        );
        assert_eq!(
            health(&[
                phase("accounts", true, Some(Blame::Operator)),
                phase("activities", true, None),
                phase("posture", false, Some(Blame::Upstream)),
            ]),
            "failing: accounts (operator), posture (upstream)"
        );
    }
}
