//! `plugboard plugin new NAME [--lang rust|ts|python]`: a plugin that builds
//! and passes `plugboard plugin test` out of the box. The templates are in the
//! binary (`cli/templates/plugin/`, `plugin-ts/`, `plugin-py/`).

use std::path::{Path, PathBuf};

use plugboard_core::Blame;
use plugboard_core::text::bounded;

/// `plugin new` arguments.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The plugin's id and crate name: lowercase letters, digits and `-`,
    /// starting with a letter (e.g. `acme`).
    pub name: String,
    /// Where to create it (default: ./NAME). Must not exist or be empty.
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// The SDK to build with (none is on a public registry): the
    /// plugboard-sdk crate, sdk-ts/ or sdk-py/; default, the one in the
    /// repository this binary was built from.
    #[arg(long, value_name = "PATH")]
    pub sdk: Option<PathBuf>,
    /// The plugin's language.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    pub lang: Lang,
}

/// The languages `plugin new` scaffolds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// A Rust crate over plugboard-sdk (sdk/).
    Rust,
    /// TypeScript over sdk-ts/ (StarlingMonkey through componentize-js).
    #[value(alias = "typescript", alias = "js")]
    Ts,
    /// Python over sdk-py/ (componentize-py).
    #[value(alias = "py")]
    Python,
}

impl Lang {
    /// The SDK's directory in this repository, a file that proves a directory
    /// is that SDK and the text that file must contain.
    fn sdk(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Lang::Rust => ("sdk", "Cargo.toml", "name = \"plugboard-sdk\""),
            Lang::Ts => ("sdk-ts", "package.json", "\"name\": \"@plugboard/sdk\""),
            Lang::Python => ("sdk-py", "build.py", "componentize-py"),
        }
    }
}

const CARGO_TOML: &str = include_str!("../templates/plugin/Cargo.toml.tmpl");
const PLUGIN_TOML: &str = include_str!("../templates/plugin/plugin.toml.tmpl");
const LIB_RS: &str = include_str!("../templates/plugin/lib.rs.tmpl");
const CASSETTE: &str = include_str!("../templates/plugin/cassette.json.tmpl");
const README: &str = include_str!("../templates/plugin/README.md.tmpl");
const TS_PLUGIN_TOML: &str = include_str!("../templates/plugin-ts/plugin.toml.tmpl");
const TS_INDEX: &str = include_str!("../templates/plugin-ts/index.ts.tmpl");
const TS_CONFIG: &str = include_str!("../templates/plugin-ts/tsconfig.json.tmpl");
const TS_CASSETTE: &str = include_str!("../templates/plugin-ts/cassette.json.tmpl");
const TS_README: &str = include_str!("../templates/plugin-ts/README.md.tmpl");
const PY_PLUGIN_TOML: &str = include_str!("../templates/plugin-py/plugin.toml.tmpl");
const PY_APP: &str = include_str!("../templates/plugin-py/app.py.tmpl");
const PY_CASSETTE: &str = include_str!("../templates/plugin-py/cassette.json.tmpl");
const PY_README: &str = include_str!("../templates/plugin-py/README.md.tmpl");
const GITIGNORE: &str = "/target\n";

/// Why nothing was scaffolded.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot be a plugin id and a crate name.
    #[error(
        "`{0}` cannot name a plugin: use lowercase letters, digits and `-`, starting with a letter and not ending with `-`, at most 64 characters, and not a name Rust or Cargo reserve (e.g. `acme`); nothing was written"
    )]
    BadName(String),
    /// The target directory holds something already.
    #[error("{0} exists and is not empty; choose another --dir; nothing was written")]
    NotEmpty(String),
    /// No SDK to depend on.
    #[error(
        "{0}; pass --sdk PATH (the sdk/ directory of a plugboard checkout); nothing was written"
    )]
    NoSdk(String),
    /// Writing failed.
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

impl ScaffoldError {
    /// A name, a directory and an SDK path are the operator's; a failed
    /// write too (permissions, disk).
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

/// Names Cargo or Rust refuse for a crate (keywords, the standard crates,
/// Cargo's own directories).
const RESERVED: &[&str] = &[
    "test",
    "core",
    "std",
    "alloc",
    "proc-macro",
    "build",
    "deps",
    "examples",
    "incremental",
    "self",
    "super",
    "crate",
    "async",
    "await",
    "fn",
    "mod",
    "type",
    "use",
    "impl",
    "trait",
    "struct",
    "enum",
    "let",
    "match",
    "loop",
    "while",
    "for",
    "if",
    "else",
    "return",
    "move",
    "ref",
    "mut",
    "pub",
    "static",
    "const",
    "where",
    "dyn",
    "unsafe",
    "extern",
    "true",
    "false",
    "break",
    "continue",
    "in",
    "as",
];

/// Whether `name` can be a plugin id, a crate name, a DNS label of the
/// example URL and one path component.
pub fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !RESERVED.contains(&name);
    if ok {
        Ok(())
    } else {
        Err(ScaffoldError::BadName(
            bounded(&plugboard_core::text::neutralize(name), 80).into_owned(),
        ))
    }
}

/// `acme-kit` → `Acme Kit`.
fn title(name: &str) -> String {
    name.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn shown(p: &Path) -> String {
    bounded(
        &plugboard_core::text::neutralize(&p.display().to_string()),
        512,
    )
    .into_owned()
}

/// The SDK directory: `--sdk`, else this binary's repository's `sdk/`
/// (`sdk-ts/`, `sdk-py/`).
fn sdk_dir(given: Option<&Path>, lang: Lang) -> Result<PathBuf, ScaffoldError> {
    let (repo_dir, proof, marker) = lang.sdk();
    let (dir, what) = match given {
        Some(d) => (d.to_path_buf(), "--sdk"),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(repo_dir),
            "the SDK of the repository this plugboard was built from",
        ),
    };
    let manifest = std::fs::read_to_string(dir.join(proof)).unwrap_or_default();
    if !manifest.contains(marker) {
        return Err(ScaffoldError::NoSdk(format!(
            "{what} ({}) is not plugboard's {repo_dir}",
            shown(&dir)
        )));
    }
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    // Tidy `cli/../sdk` without resolving symlinks the author chose.
    Ok(dir.canonicalize().unwrap_or(dir))
}

/// `s` inside a TOML basic string.
fn toml_escaped(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `s` inside a JSON string.
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::Value::String(s.into()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// The files of a plugin called `name` in `lang` building with the SDK at `sdk`.
pub fn files(name: &str, sdk: &str, lang: Lang) -> Vec<(&'static str, String)> {
    let fill_with = |t: &str, sdk: &str| {
        t.replace("{{name}}", name)
            .replace("{{title}}", &title(name))
            .replace("{{crate_file}}", &name.replace('-', "_"))
            .replace("{{sdk}}", sdk)
    };
    let fill = |t: &str| fill_with(t, &toml_escaped(sdk));
    let plain = |t: &str| fill_with(t, sdk);
    match lang {
        Lang::Rust => {}
        Lang::Ts => {
            return vec![
                ("plugin.toml", plain(TS_PLUGIN_TOML)),
                ("src/index.ts", plain(TS_INDEX)),
                ("tsconfig.json", fill_with(TS_CONFIG, &json_escaped(sdk))),
                ("tests/cassette.json", plain(TS_CASSETTE)),
                ("README.md", plain(TS_README)),
                (".gitignore", "/*.wasm\n".to_string()),
            ];
        }
        Lang::Python => {
            return vec![
                ("plugin.toml", plain(PY_PLUGIN_TOML)),
                ("src/app.py", plain(PY_APP)),
                ("tests/cassette.json", plain(PY_CASSETTE)),
                ("README.md", plain(PY_README)),
                (".gitignore", "/*.wasm\n__pycache__/\n".to_string()),
            ];
        }
    }
    vec![
        ("Cargo.toml", fill(CARGO_TOML)),
        ("plugin.toml", fill(PLUGIN_TOML)),
        ("src/lib.rs", fill(LIB_RS)),
        ("tests/cassette.json", fill(CASSETTE)),
        ("README.md", fill(README)),
        (".gitignore", GITIGNORE.to_string()),
    ]
}

/// Run `plugin new`.
pub fn run(args: NewArgs) -> anyhow::Result<()> {
    check_name(&args.name)?;
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(ScaffoldError::NotEmpty(shown(&dir)).into());
    }
    let sdk = sdk_dir(args.sdk.as_deref(), args.lang)?;
    let sdk_text = sdk.to_string_lossy().into_owned();
    if sdk_text.chars().any(char::is_control) {
        return Err(ScaffoldError::NoSdk(format!(
            "the SDK path {} has control characters",
            shown(&sdk)
        ))
        .into());
    }
    let created = !dir.exists();
    let write = || -> Result<(), ScaffoldError> {
        for (file, text) in files(&args.name, &sdk_text, args.lang) {
            let path = dir.join(file);
            let err = |e: std::io::Error| ScaffoldError::Write {
                path: shown(&path),
                reason: e.to_string(),
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(err)?;
            }
            std::fs::write(&path, text).map_err(err)?;
        }
        Ok(())
    };
    if let Err(e) = write() {
        if created {
            // Only what this command made (the directory did not exist).
            let _ = std::fs::remove_dir_all(&dir);
        }
        return Err(e.into());
    }
    let d = shown(&dir);
    println!("created plugin {} in {d}", args.name);
    println!("  cd {d}");
    let sdk_shown = shown(&sdk);
    match args.lang {
        Lang::Rust => {
            println!("  cargo test                                     # native tests");
            println!("  cargo build --release --target wasm32-wasip2   # the component");
        }
        Lang::Ts => println!("  node {sdk_shown}/build.mjs .   # the component"),
        Lang::Python => println!("  python3 {sdk_shown}/build.py .   # the component"),
    }
    println!(
        "  plugboard plugin test                          # replays tests/cassette.json offline"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_must_be_a_plugin_id_a_crate_name_and_one_path_component() {
        for good in ["acme", "acme-kit", "a1", "okta2"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Acme",
            "1acme",
            "-acme",
            "acme-",
            "acme_kit",
            "a/b",
            "..",
            ".",
            "a b",
            "test",
            "core",
            "acme\u{1b}",
            "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(check_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn every_placeholder_is_filled() {
        for lang in [Lang::Rust, Lang::Ts, Lang::Python] {
            for (file, text) in files("acme-kit", "/x/sdk \"q\"", lang) {
                assert!(!text.contains("{{"), "{lang:?} {file} keeps a placeholder");
            }
        }
        let ts = files("acme-kit", "/x/sdk \"q\"", Lang::Ts);
        let tsconfig = &ts[2].1;
        assert!(
            serde_json::from_str::<serde_json::Value>(tsconfig).is_ok(),
            "{tsconfig}"
        );
        let cargo = &files("acme-kit", "/x/sdk \"q\"", Lang::Rust)[0].1;
        assert!(cargo.contains(r#"path = "/x/sdk \"q\"""#), "{cargo}");
        assert_eq!(title("acme-kit"), "Acme Kit");
    }
}
