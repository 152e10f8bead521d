//! The host's module graph has no cycles.
//!
//! Every `crate::…`, `plugboard_runtime::…`, `plugboard_host::…` and
//! `super::…` path in `runtime/src`, `host/src` and `cli/src` (code and unit
//! tests; comments aside) is an edge from the module that writes it to the
//! module it names; the sandbox crate's modules are nodes under the names the
//! host re-exports them by, and the binary's crate is the node `cli`. Nodes are the crate's top-level modules, except that each
//! capability (`capabilities::http`, `capabilities::auth`, …) is a node of
//! its own: capabilities may use one another one way, never both ways. A
//! cycle means two modules cannot be understood, tested or moved apart, so
//! this test names it and fails. A capability owns its manifest section and
//! never reads the aggregate `manifest` (which names every section); what
//! the sections share is the leaf `section`, which imports neither. The guest crates (the SDK and each
//! connector) are checked the same way, each on its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `capabilities/http/mod.rs` and
/// `capabilities/http.rs` are both `[capabilities, http]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The graph node a module belongs to.
fn node(path: &[String]) -> Option<String> {
    match path {
        [] => None,
        [first, second, ..] if first == "capabilities" => Some(format!("capabilities::{second}")),
        [first, ..] => Some(first.clone()),
    }
}

fn identifier(rest: &str) -> &str {
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The paths one line names, each resolved to an absolute module path.
fn named_paths(module: &[String], line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // The sandbox crate's modules keep their names in the host (re-exported),
    // so `plugboard_runtime::manifest` and `crate::manifest` are one node;
    // the binary's crate is the node `cli`, so its `crate::` is `cli::`.
    let own: Vec<String> = module
        .iter()
        .take(1)
        .filter(|m| *m == "cli")
        .cloned()
        .collect();
    for (root, prefix) in [
        ("crate::", own),
        ("plugboard_runtime::", Vec::new()),
        ("plugboard_host::", Vec::new()),
    ] {
        for (at, _) in line.match_indices(root) {
            let before = line[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `plugboard_crate::` and the like
            }
            out.extend(expand(prefix.clone(), &line[at + root.len()..]));
        }
    }
    let mut from = 0;
    while let Some(found) = line[from..].find("super::") {
        let at = from + found;
        let before = line[..at].chars().next_back();
        from = at + "super::".len();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // the second `super` of `super::super::` was counted with the first
        }
        let mut base = module.to_vec();
        let mut rest = &line[at..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        out.extend(expand(base, rest));
    }
    out
}

/// The paths `rest` names after `prefix`: `a::b`, or each item of a group
/// `{a::b, c}` (one level; a nested group counts as its first segment).
fn expand(prefix: Vec<String>, rest: &str) -> Vec<Vec<String>> {
    let mut path = prefix;
    let named = segments(rest);
    let consumed: usize = named.iter().map(|s| s.len() + 2).sum();
    path.extend(named);
    let after = rest.get(consumed..).unwrap_or("");
    let Some(list) = after.strip_prefix('{').or(rest.strip_prefix('{')) else {
        return vec![path];
    };
    let inner = list.split('}').next().unwrap_or("");
    inner
        .split(',')
        .map(|item| {
            let mut p = path.clone();
            p.extend(segments(item.trim()));
            p
        })
        .collect()
}

fn segments(rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rest;
    loop {
        let id = identifier(rest);
        if id.is_empty() {
            break;
        }
        out.push(id.to_string());
        match rest[id.len()..].strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    out
}

/// `name` when `line` opens an inline module: `mod name {`.
fn inline_module(line: &str) -> Option<String> {
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix("pub(crate) ")
        .or(rest.strip_prefix("pub "))
        .unwrap_or(rest);
    let rest = rest.strip_prefix("mod ")?;
    let name = identifier(rest);
    rest[name.len()..]
        .trim_start()
        .starts_with('{')
        .then(|| name.to_string())
}

/// Opening minus closing braces on `line`, outside string literals.
fn braces(line: &str) -> i64 {
    let mut in_string = false;
    let mut previous = ' ';
    let mut count = 0;
    for c in line.chars() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '{' if !in_string => count += 1,
            '}' if !in_string => count -= 1,
            _ => {}
        }
        previous = c;
    }
    count
}

/// Edges `from -> to` among the host's modules (runtime, host, cli).
fn module_graph() -> Graph {
    graph_of(&["runtime", "host", "cli"])
}

/// Edges `from -> to` with one place that makes each, for the message,
/// among the modules of the crates under `krates` (workspace folders).
fn graph_of(krates: &[&str]) -> Graph {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for &krate in krates {
        let src = workspace.join(krate).join("src");
        let mut here = Vec::new();
        source_files(&src, &mut here);
        files.extend(here.into_iter().map(|f| (krate, src.clone(), f)));
    }
    let mut graph = Graph::new();
    for (krate, src, file) in files {
        let mut module = module_path(&src, &file);
        if krate == "cli" {
            // The binary's crate is one node, `cli`, as it was a module.
            module.insert(0, "cli".to_string());
        }
        let Some(from) = node(&module) else { continue };
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // Inline modules (`mod tests {`) and the brace depth each opened at:
        // `super::` inside one names the module around it.
        let (mut inline, mut depth): (Vec<(String, i64)>, i64) = (Vec::new(), 0);
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let opens = inline_module(line);
            if let Some(name) = &opens {
                inline.push((name.clone(), depth));
            }
            depth += braces(line);
            let mut here = module.clone();
            here.extend(inline.iter().map(|(n, _)| n.clone()));
            while inline.last().is_some_and(|(_, d)| depth <= *d) {
                inline.pop();
            }
            for path in named_paths(&here, line) {
                if let Some(to) = node(&path)
                    && to != from
                {
                    let place = format!(
                        "{}:{}",
                        file.strip_prefix(&workspace).unwrap_or(&file).display(),
                        number + 1
                    );
                    graph
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_insert(place);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one: the nodes in order.
fn cycle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &Graph,
        start: &str,
        at: &str,
        trail: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flat_map(BTreeMap::keys) {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                trail.push(next.clone());
                if walk(graph, start, next, trail, seen) {
                    return true;
                }
                trail.pop();
            }
        }
        false
    }
    let mut trail = vec![start.to_string()];
    walk(graph, start, start, &mut trail, &mut BTreeSet::new()).then_some(trail)
}

fn explain(graph: &Graph, cycle: &[String]) -> String {
    let mut out = String::new();
    for (i, from) in cycle.iter().enumerate() {
        let to = &cycle[(i + 1) % cycle.len()];
        let place = graph
            .get(from)
            .and_then(|e| e.get(to))
            .map(String::as_str)
            .unwrap_or("?");
        out.push_str(&format!("\n  {from} -> {to}   ({place})"));
    }
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = module_graph();
    assert!(
        graph.len() > 8,
        "the scan found too few modules: {:?}",
        graph.keys()
    );
    // One report per cycle, whichever of its modules it was found from.
    let cycles = cycles_of(&graph);
    assert!(cycles.is_empty(), "module cycles:{}", cycles.join("\n"));
}

/// Each graph's cycles, explained.
fn cycles_of(graph: &Graph) -> Vec<String> {
    let mut seen = BTreeSet::new();
    graph
        .keys()
        .filter_map(|m| cycle_through(graph, m))
        .filter(|c| seen.insert(c.iter().cloned().collect::<BTreeSet<_>>()))
        .map(|c| explain(graph, &c))
        .collect()
}

#[test]
fn the_sdk_and_the_connectors_have_no_module_cycles_either() {
    // The fewest modules with an internal import each crate must show (so a
    // parser that found nothing fails); the GitHub plugin is small.
    for (krate, least) in [
        ("sdk", 4),
        ("plugins/zoom", 4),
        ("plugins/azure", 4),
        ("plugins/github", 2),
    ] {
        let graph = graph_of(&[krate]);
        assert!(
            graph.len() >= least,
            "{krate}: too few modules: {:?}",
            graph.keys()
        );
        let cycles = cycles_of(&graph);
        assert!(
            cycles.is_empty(),
            "{krate}: module cycles:{}",
            cycles.join("\n")
        );
    }
}

#[test]
fn the_daemon_does_not_import_the_cli_and_capabilities_share_only_the_network_unit() {
    let graph = module_graph();
    let uses = |from: &str, to: &str| graph.get(from).and_then(|e| e.get(to)).cloned();
    assert_eq!(uses("daemon", "cli"), None, "the daemon imports the CLI");
    for capability in ["capabilities::http", "capabilities::auth"] {
        assert!(
            uses(capability, "capabilities::network").is_some(),
            "{capability} does not go through the network unit"
        );
    }
    assert_eq!(
        uses("capabilities::auth", "capabilities::http"),
        None,
        "auth reaches into http instead of the network unit"
    );
}

#[test]
fn no_capability_reads_the_aggregate_manifest_and_the_section_helpers_are_a_leaf() {
    let graph = module_graph();
    let readers: Vec<String> = graph
        .iter()
        .filter(|(from, _)| from.starts_with("capabilities::"))
        .filter_map(|(from, to)| to.get("manifest").map(|at| format!("\n  {from} ({at})")))
        .collect();
    assert!(
        readers.is_empty(),
        "capabilities read the aggregate manifest instead of their own sections:{}",
        readers.concat()
    );
    // Not vacuous: the capabilities' sections do use the leaf.
    for capability in ["capabilities::auth", "capabilities::network"] {
        assert!(
            graph
                .get(capability)
                .is_some_and(|e| e.contains_key("section")),
            "{capability} does not parse its section with the shared helpers"
        );
    }
    let leaf: Vec<String> = graph
        .get("section")
        .into_iter()
        .flatten()
        .map(|(to, at)| format!("\n  section -> {to} ({at})"))
        .collect();
    assert!(
        leaf.is_empty(),
        "the section helpers are not a leaf:{}",
        leaf.concat()
    );
}

#[test]
fn the_scanner_sees_crate_super_and_grouped_paths() {
    let module: Vec<String> = ["capabilities", "http", "client"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let nodes = |line: &str| -> Vec<Option<String>> {
        named_paths(&module, line).iter().map(|p| node(p)).collect()
    };
    assert_eq!(
        nodes("use crate::manifest::Method;"),
        [Some("manifest".into())]
    );
    assert_eq!(
        nodes("use super::super::auth::Token;"),
        [Some("capabilities::auth".into())]
    );
    assert_eq!(
        nodes("use super::judge::judge;"),
        [Some("capabilities::http".into())]
    );
    assert_eq!(
        nodes("use crate::{limits, runtime::Runtime};"),
        [Some("limits".into()), Some("runtime".into())]
    );
    assert_eq!(
        nodes("use crate::capabilities::{auth, network::Upstreams};"),
        [
            Some("capabilities::auth".into()),
            Some("capabilities::network".into())
        ]
    );
    assert_eq!(nodes("let x = plugboard_crate::y;"), []);
    assert_eq!(inline_module("    mod tests {"), Some("tests".into()));
    assert_eq!(inline_module("mod tests;"), None);
    assert_eq!(braces("fn f() { let s = \"{\"; }"), 0);
}
