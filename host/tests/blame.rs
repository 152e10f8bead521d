//! Every error that knows its blame reaches the CLI's exit code.
//!
//! The binary's edge turns an error into `error (BLAME): …` and an exit code
//! by finding a known error type in the error's chain (`cli/src/exit.rs`,
//! `blame_of`). A new error type that is neither in that list nor carried
//! inside one that is would silently become `host` (exit 1). This test reads
//! every `fn blame(&self)` in the runtime, the host and the core, and fails
//! naming any type that no path reaches.

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The type of the `impl` block around each `fn blame(&self)` in `text`.
fn blamed_types(text: &str) -> Vec<String> {
    let mut current = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("impl ") {
            let name: String = rest
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            current = (!name.is_empty() && !rest.contains(" for ")).then_some(name);
        }
        if line.trim_start().starts_with("pub fn blame(&self)")
            && let Some(name) = &current
        {
            out.push(name.clone());
        }
    }
    out
}

/// The types `blame_of` looks for: the arguments of its `try_type!` call.
fn listed(exit_rs: &str) -> Vec<String> {
    let start = exit_rs
        .find("try_type!(\n")
        .unwrap_or_else(|| panic!("cli/src/exit.rs has no try_type! list"));
    let list = &exit_rs[start + "try_type!(".len()..];
    let end = list.find(')').unwrap_or(list.len());
    list[..end]
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether another error carries `name` (`Variant(#[from] Name)`,
/// `Variant(Name)`, `cause: Name`), so its blame travels with that one.
fn carried(all: &str, name: &str) -> bool {
    [
        format!("(#[from] {name})"),
        format!("({name})"),
        format!("cause: {name},"),
        format!("(#[source] {name})"),
    ]
    .iter()
    .any(|p| all.contains(p.as_str()))
}

/// Errors that never leave their capability as themselves: the send loop
/// turns them into the contract's `http-error` the plugin sees (a refused
/// credential becomes `auth`, the operator's; a spent daily cap
/// `rate-limited`), and the plugin's own error kind carries the blame on.
const TURNED_INTO_HTTP_ERRORS: &[&str] = &["AuthError", "RateLimitError"];

#[test]
fn every_error_with_a_blame_is_found_by_the_cli_or_carried_by_one_that_is() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in ["core", "runtime", "host", "cli"] {
        sources(&workspace.join(krate).join("src"), &mut files);
    }
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| {
            let t = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (f, t)
        })
        .collect();
    let all: String = texts.iter().map(|(_, t)| t.as_str()).collect();
    let exit_rs = fs::read_to_string(workspace.join("cli/src/exit.rs"))
        .unwrap_or_else(|e| panic!("cli/src/exit.rs: {e}"));
    let listed = listed(&exit_rs);
    assert!(
        listed.len() > 5,
        "too few types read from try_type!: {listed:?}"
    );
    let mut lost = Vec::new();
    let mut seen = 0;
    for (file, text) in &texts {
        for name in blamed_types(text) {
            seen += 1;
            if !listed.contains(&name)
                && !carried(&all, &name)
                && !TURNED_INTO_HTTP_ERRORS.contains(&name.as_str())
            {
                lost.push(format!("{name} ({})", file.display()));
            }
        }
    }
    assert!(seen > 10, "found only {seen} error types with a blame");
    assert!(
        lost.is_empty(),
        "errors whose blame the CLI would never see (they would exit 1 as `host`): \
         add them to blame_of in cli/src/exit.rs, or carry them in an error that is: {lost:?}"
    );
}

#[test]
fn the_reader_finds_blamed_types_and_list_entries() {
    let text = "impl Thing {\n    pub fn blame(&self) -> Blame {\n        Blame::Host\n    }\n}\n\
                impl fmt::Display for Other {\n    pub fn blame(&self) -> Blame {}\n}\n";
    assert_eq!(blamed_types(text), ["Thing"]);
    assert_eq!(
        listed("        try_type!(\n            A,\n            B\n        );"),
        ["A", "B"]
    );
    assert!(carried("    Store(#[from] StoreError),", "StoreError"));
    assert!(!carried("    Store(#[from] StoreError),", "Store"));
}
