//! The author kit's recorded scans: `plugboard record INSTANCE --out FILE`
//! records every upstream exchange of a scan into a cassette, and
//! `plugboard plugin test DIR --cassette FILE` replays it offline in a
//! throw-away home (`runtime/src/capabilities/http/cassette.rs` has the
//! format, the scrubbing and the matcher).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use plugboard_core::Blame;
use plugboard_core::secrets::SecretValue;
use plugboard_core::store::InstanceRow;
use plugboard_core::text::bounded;

use super::progress::StreamBars;
use super::scan::{StreamFailed, print_report, scan_instance_until};
use super::table::{emit, print_json};
use plugboard_host::capabilities::http::cassette::{Cassette, FORMAT, Recorder, Replayer, Tape};
use plugboard_host::host::Host;
use plugboard_host::registry::{Grant, PluginSource, add_plugin};
use plugboard_host::scan::StreamSelection;

/// `record` arguments.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The instance to scan (a full scan: checkpoints are reset, so the
    /// cassette holds what a fresh `plugin test` asks for).
    pub instance: String,
    /// Where to write the cassette (JSON, mode 0600: it holds the
    /// upstream's answers, identity data included, but no secret value,
    /// token or credential header).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Record only this stream (repeatable).
    #[arg(long = "stream", value_name = "NAME")]
    pub streams: Vec<String>,
    /// Print the scan report and what was recorded as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `plugin test` arguments.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The plugin's directory: plugin.toml, and either Cargo.toml (the
    /// component is the crate's wasm32-wasip2 release build, looked for in
    /// $CARGO_TARGET_DIR, then in `target/` of DIR and of each directory
    /// above it) or the component beside plugin.toml.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The cassette to replay (from `plugboard record`; default:
    /// DIR/tests/cassette.json, as `plugin new` creates it).
    #[arg(long, value_name = "FILE")]
    pub cassette: Option<PathBuf>,
    /// The component, when it is somewhere else.
    #[arg(long, value_name = "FILE")]
    pub wasm: Option<PathBuf>,
    /// Replay only this stream (repeatable).
    #[arg(long = "stream", value_name = "NAME")]
    pub streams: Vec<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Why a recording or a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// The cassette cannot be read or written.
    #[error("cassette {path}: {reason}")]
    Cassette { path: String, reason: String },
    /// The cassette was recorded with another plugin.
    #[error(
        "cassette {path} was recorded with plugin `{recorded}`, not `{plugin}`; record one of this plugin with `plugboard record`"
    )]
    OtherPlugin {
        path: String,
        recorded: String,
        plugin: String,
    },
    /// No built component was found.
    #[error(
        "no built component for {dir}: looked for {looked}; build it with `cargo build --release --target wasm32-wasip2` or pass --wasm FILE"
    )]
    NoComponent { dir: String, looked: String },
    /// The plugin asked for requests the cassette has no answer for.
    #[error(
        "the plugin sent {count} request(s) the cassette has no answer for, first {first}; if its requests changed on purpose, record the cassette again with `plugboard record`"
    )]
    Unanswered { count: usize, first: String },
    /// The throw-away home could not be made.
    #[error("the throw-away home for the replay could not be made: {0}")]
    Scratch(String),
}

impl KitError {
    /// A cassette path, a missing build and a cassette of another plugin
    /// are the operator's; an unanswered request is the plugin's (it asked
    /// for something the recorded scan did not); scratch space is the host's.
    pub fn blame(&self) -> Blame {
        match self {
            KitError::Cassette { .. } | KitError::OtherPlugin { .. } => Blame::Operator,
            KitError::NoComponent { .. } => Blame::Operator,
            KitError::Unanswered { .. } => Blame::Plugin,
            KitError::Scratch(_) => Blame::Host,
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn shown(p: &Path) -> String {
    bounded(&p.display().to_string(), 512).into_owned()
}

/// Run `record`.
pub async fn record(app: &mut Host, args: RecordArgs) -> anyhow::Result<()> {
    let recorder = Arc::new(Recorder::new(now_ms()));
    app.options.tape = Some(Tape::Record(recorder.clone()));
    let hidden = args.json || !std::io::stderr().is_terminal();
    let bars = StreamBars::new(&args.instance, hidden);
    let selection = StreamSelection::of(&args.streams);
    let report = scan_instance_until(
        app,
        &args.instance,
        true,
        &selection,
        &bars,
        std::future::pending(),
    )
    .await;
    drop(bars);
    let report = report?;
    // The instance's settings and secret names, and its scrubber once more
    // over the whole text (every exchange was scrubbed when recorded).
    let (plugin, ctx) = app.open_instance(&args.instance).await?;
    let manifest = plugin.manifest();
    let cassette = Cassette {
        format: FORMAT.into(),
        plugin: manifest.id.clone(),
        version: manifest.version.clone(),
        recorded_at_ms: recorder.started_ms(),
        settings: (*ctx.config).clone(),
        secrets: manifest
            .secrets
            .iter()
            .filter(|f| ctx.secrets.contains(&f.name))
            .map(|f| f.name.clone())
            .collect(),
        http_interactions: recorder.interactions(),
    };
    let mut text = serde_json::to_string_pretty(&cassette)?;
    ctx.scrub(&mut text);
    plugboard_host::private_files::write(&args.out, text.as_bytes()).map_err(|e| {
        KitError::Cassette {
            path: shown(&args.out),
            reason: format!("cannot write it ({e})"),
        }
    })?;
    let n = cassette.http_interactions.len();
    if args.json {
        print_json(&serde_json::json!({
            "cassette": args.out.display().to_string(),
            "interactions": n,
            "scan": report,
        }))?;
    } else {
        print_report(&report, &selection)?;
        emit(&format!(
            "recorded {n} exchanges into {} (secret values, tokens and credential headers removed; token requests are not recorded)",
            shown(&args.out)
        ))?;
    }
    StreamFailed::check(&report, &args.instance)?;
    Ok(())
}

/// The crate name in `dir/Cargo.toml`'s `[package]`, if there is one.
fn crate_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(v) = line.strip_prefix("name")
            && let Some(v) = v.trim_start().strip_prefix('=')
        {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

/// The component of the plugin in `dir`: `--wasm`; else, for a crate, its
/// release build for wasm32-wasip2 in $CARGO_TARGET_DIR or the `target/`
/// of `dir` or of a directory above it; else `None` (beside plugin.toml).
fn component(dir: &Path, wasm: Option<&Path>) -> Result<Option<PathBuf>, KitError> {
    if let Some(w) = wasm {
        return Ok(Some(w.to_path_buf()));
    }
    let Some(name) = crate_name(dir) else {
        return Ok(None);
    };
    let file = format!("{}.wasm", name.replace('-', "_"));
    let mut dirs = Vec::new();
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(t));
    }
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    dirs.extend(abs.ancestors().map(|d| d.join("target")));
    let candidates: Vec<PathBuf> = dirs
        .iter()
        .map(|d| d.join("wasm32-wasip2/release").join(&file))
        .collect();
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(Some(found.clone()));
    }
    if dir.join(&file).is_file() {
        return Ok(None);
    }
    Err(KitError::NoComponent {
        dir: shown(dir),
        looked: format!(
            "{file} in {}",
            candidates
                .iter()
                .filter_map(|p| p.parent())
                .map(shown)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Read a cassette.
fn read_cassette(path: &Path) -> Result<Cassette, KitError> {
    let err = |reason: String| KitError::Cassette {
        path: shown(path),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it ({e})")))?;
    let c: Cassette = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "not a cassette ({e}); `plugboard record` writes one"
        ))
    })?;
    if c.format != FORMAT {
        return Err(err(format!(
            "format {:?}, this plugboard reads {FORMAT}",
            bounded(&c.format, 64)
        )));
    }
    Ok(c)
}

/// Run `plugin test`.
pub async fn test(app: &Host, args: TestArgs) -> anyhow::Result<()> {
    let wasm = component(&args.dir, args.wasm.as_deref())?;
    let source = PluginSource::read_with(&args.dir, wasm.as_deref())?;
    let cassette_path = args
        .cassette
        .clone()
        .unwrap_or_else(|| args.dir.join("tests/cassette.json"));
    let cassette = read_cassette(&cassette_path)?;
    let manifest = source.manifest.clone();
    if cassette.plugin != manifest.id {
        return Err(KitError::OtherPlugin {
            path: shown(&cassette_path),
            recorded: bounded(&cassette.plugin, 128).into_owned(),
            plugin: manifest.id.clone(),
        }
        .into());
    }
    // A throw-away home, private like any home, removed when done.
    let scratch = tempfile::Builder::new()
        .prefix("plugboard-test-")
        .tempdir()
        .map_err(|e| KitError::Scratch(e.to_string()))?;
    let mut host = Host::new(Some(scratch.path().join("home")));
    host.options.caps = app.options.caps;
    let replayer = Arc::new(Replayer::new(&cassette));
    host.options.tape = Some(Tape::Replay(replayer.clone()));
    let grant = Grant::all_requested(&manifest, "plugboard plugin test");
    add_plugin(host.home()?, host.store()?, host.runtime()?, source, &grant).await?;
    // The recorded settings; stand-ins for the secrets, which a replay
    // never sends (no token is minted, no secret header goes out).
    let row = InstanceRow {
        id: "replay".into(),
        plugin_id: manifest.id.clone(),
        config_json: serde_json::to_string(&cassette.settings)?,
        upstreams_json: "{}".into(),
        enabled: true,
        created_at: String::new(),
        updated_at: String::new(),
    };
    let stand_ins: BTreeMap<String, SecretValue> = manifest
        .secrets
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                SecretValue::new(format!("plugboard-replay-stand-in-{}", f.name)),
            )
        })
        .collect();
    let secrets: Vec<(&str, &SecretValue)> =
        stand_ins.iter().map(|(k, v)| (k.as_str(), v)).collect();
    host.store()?
        .add_instance_with_secrets(&host.master_key()?, &row, &secrets)?;
    let selection = StreamSelection::of(&args.streams);
    let bars = StreamBars::new("replay", true);
    let report = scan_instance_until(
        &host,
        "replay",
        false,
        &selection,
        &bars,
        std::future::pending(),
    )
    .await;
    let misses = replayer.misses();
    // A request without an answer fails the call that sent it: name the
    // request rather than what the plugin made of the refusal.
    if let (Err(_), Some(first)) = (&report, misses.first()) {
        return Err(KitError::Unanswered {
            count: misses.len(),
            first: bounded(first, 1024).into_owned(),
        }
        .into());
    }
    let report = report?;
    if args.json {
        print_json(&serde_json::json!({
            "plugin": manifest.id,
            "version": manifest.version,
            "cassette": cassette_path.display().to_string(),
            "scan": report,
            "unanswered": misses,
            "unused": replayer.unused(),
        }))?;
    } else {
        print_report(&report, &selection)?;
        emit(&format!(
            "replayed {} of {} recorded exchanges from {}; {} request(s) without an answer",
            cassette.http_interactions.len() - replayer.unused(),
            cassette.http_interactions.len(),
            shown(&cassette_path),
            misses.len()
        ))?;
    }
    if let Some(first) = misses.first() {
        return Err(KitError::Unanswered {
            count: misses.len(),
            first: bounded(first, 1024).into_owned(),
        }
        .into());
    }
    StreamFailed::check(&report, &format!("{} (replay)", manifest.id))?;
    Ok(())
}
