//! Every command's `--json` output has a JSON Schema in `docs/json/`, and
//! follows it.

use std::collections::BTreeSet;

use clap::CommandFactory as _;
use plugboard_sim::zoom::ZoomSimBuilder;
use serde_json::Value;

use super::Setup;
use crate::support::{assert_matches_schema, json_schema, json_schema_dir, repo_root};
use crate::{add_args, json, ok, zoom_wasm};

/// Each command with `--json` and the schema of its output (`groups
/// --members` prints `group-members`).
const SCHEMAS: &[(&str, &str)] = &[
    ("accounts", "accounts"),
    ("activities", "activities"),
    ("audit", "audit"),
    ("cluster status", "cluster-status"),
    ("demo", "demo"),
    ("doctor", "doctor"),
    ("findings", "findings"),
    ("groups", "groups"),
    ("instance check", "instance-check"),
    ("instance list", "instance-list"),
    ("instance show", "instance-show"),
    ("matrix", "matrix"),
    ("plugin add", "plugin-add"),
    ("plugin inspect", "plugin-inspect"),
    ("plugin list", "plugin-list"),
    ("plugin pending approve", "plugin-pending"),
    ("plugin pending refuse", "plugin-pending"),
    ("plugin test", "plugin-test"),
    ("plugin upgrade", "plugin-upgrade"),
    ("reactivate", "act"),
    ("record", "record"),
    ("roles", "roles"),
    ("scan", "scan"),
    ("suspend", "act"),
    ("token list", "token-list"),
    ("trust list", "trust-list"),
];

/// Paths of the commands that take `--json`, e.g. `instance show`.
fn commands_with_json(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
    for sub in cmd.get_subcommands() {
        let path = format!("{prefix}{}", sub.get_name()).trim().to_string();
        if sub.get_arguments().any(|a| a.get_id() == "json") {
            out.insert(path.clone());
        }
        commands_with_json(sub, &format!("{path} "), out);
    }
}

#[test]
fn every_command_with_json_output_has_a_schema_and_every_schema_a_command() {
    let mut commands = BTreeSet::new();
    commands_with_json(&plugboard_cli::Cli::command(), "", &mut commands);
    let mut listed: BTreeSet<String> = SCHEMAS.iter().map(|(c, _)| c.to_string()).collect();
    if !cfg!(feature = "demo") {
        // Without the demo feature there is no `demo` command (its schema stays).
        listed.remove("demo");
    }
    assert_eq!(
        commands, listed,
        "commands with --json vs schemas listed here"
    );
    let mut names: BTreeSet<String> = SCHEMAS.iter().map(|(_, s)| s.to_string()).collect();
    names.extend(["group-members".to_string(), "defs".to_string()]);
    let files: BTreeSet<String> = std::fs::read_dir(json_schema_dir())
        .unwrap_or_else(|e| panic!("docs/json: {e}"))
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".schema.json").map(str::to_string)
        })
        .collect();
    assert_eq!(files, names, "files in docs/json vs schemas listed here");
    for name in names.iter().filter(|n| *n != "defs") {
        json_schema(name);
    }
}

/// `--json` output of `args`, checked against schema `name`.
fn checked(home: &std::path::Path, name: &str, args: &[&str]) -> Value {
    let value = json(&ok(home, args));
    assert_matches_schema(name, &args.join(" "), &value);
    value
}

fn items(value: &Value) -> usize {
    value["items"].as_array().map(Vec::len).unwrap_or_default()
}

#[test]
fn every_commands_json_output_matches_its_schema() {
    let s = Setup::new(ZoomSimBuilder::new().users(5, 1, 1).activity_days(1));
    let home = s.home();
    let dir = repo_root()
        .join("plugins/zoom")
        .to_string_lossy()
        .into_owned();
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    let again = checked(home, "plugin-add", &add_args(&dir, &wasm, &["--json"]));
    assert_eq!(again["unchanged"], true, "{again}");
    let report = checked(home, "scan", &["scan", "z", "--json"]);
    assert!(
        report["findings"].as_u64().is_some_and(|n| n > 0),
        "{report}"
    );

    for (name, args) in [
        ("accounts", &["accounts", "--json"][..]),
        ("activities", &["activities", "--json"][..]),
        ("groups", &["groups", "--json"][..]),
        ("group-members", &["groups", "--members", "--json"][..]),
        ("roles", &["roles", "--json"][..]),
        ("findings", &["findings", "--json"][..]),
    ] {
        let value = checked(home, name, args);
        assert!(items(&value) > 0, "{args:?} listed nothing: {value}");
    }
    let accounts = checked(home, "accounts", &["accounts", "--json", "--limit", "1"]);
    assert_eq!(accounts["next_offset"], 1, "{accounts}");
    let user = accounts["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    checked(home, "act", &["suspend", "z", &user, "--dry-run", "--json"]);
    let audit = checked(home, "audit", &["audit", "--json"]);
    assert_eq!(audit["items"][0]["instance"], "z", "{audit}");

    let list = checked(home, "instance-list", &["instance", "list", "--json"]);
    let shown = checked(home, "instance-show", &["instance", "show", "z", "--json"]);
    // One shape per kind of row: the listed instance is the start of the shown one.
    for (key, value) in list[0].as_object().into_iter().flatten() {
        assert_eq!(&shown[key], value, "{key} differs between list and show");
    }
    checked(
        home,
        "instance-check",
        &["instance", "check", "z", "--json"],
    );
    let plugins = checked(home, "plugin-list", &["plugin", "list", "--json"]);
    let inspected = checked(
        home,
        "plugin-inspect",
        &["plugin", "inspect", "zoom", "--json"],
    );
    for (key, value) in plugins[0].as_object().into_iter().flatten() {
        assert_eq!(
            &inspected[key], value,
            "{key} differs between list and inspect"
        );
    }
    ok(home, &["token", "create", "--name", "json-test"]);
    let tokens = checked(home, "token-list", &["token", "list", "--json"]);
    assert_eq!(tokens[0]["name"], "json-test", "{tokens}");
    checked(home, "matrix", &["matrix", "--json"]);
    let doctor = checked(home, "doctor", &["doctor", "--json"]);
    assert_eq!(doctor["healthy"], true, "{doctor}");
}
