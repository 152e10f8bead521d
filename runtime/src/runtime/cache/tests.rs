//! The cache against real components: the probe fixture (A) and the hostile
//! fixture (B), built to `$CARGO_TARGET_DIR/wasm32-wasip2/release` by
//! `scripts/build-plugins.sh`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use plugboard_core::secrets::MasterKey;

use super::*;
use crate::manifest::Manifest;
use crate::runtime::Runtime;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A built fixture component.
fn fixture(file: &str) -> Vec<u8> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(d).join("wasm32-wasip2/release"));
    }
    dirs.push(repo_root().join("target/wasm32-wasip2/release"));
    dirs.iter()
        .find_map(|d| fs::read(d.join(file)).ok())
        .unwrap_or_else(|| panic!("{file} is in none of {dirs:?}; run scripts/build-plugins.sh"))
}

fn probe() -> Vec<u8> {
    fixture("plugboard_probe.wasm")
}

fn hostile() -> Vec<u8> {
    fixture("plugboard_hostile_fixture.wasm")
}

fn key(byte: u8) -> MasterKey {
    MasterKey::from_hex(&hex::encode([byte; 32])).unwrap_or_else(|e| panic!("test key: {e}"))
}

fn engine() -> Engine {
    super::super::engine::build_engine(false, crate::limits::DEFAULT_MEMORY_CAP_BYTES)
        .unwrap_or_else(|e| panic!("engine: {e}"))
}

/// The one `.cwasm` in `dir` compiled from `bytes`.
fn artefact_of(dir: &Path, bytes: &[u8]) -> PathBuf {
    let digest = hex::encode(Sha256::digest(bytes));
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&digest))
        })
        .unwrap_or_else(|| panic!("no artefact for {digest} in {}", dir.display()))
}

/// Everything logged while `f` runs on this thread.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&sink.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    (out, text)
}

#[test]
fn an_authenticated_artefact_is_a_hit_and_private() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cache_dir = dir.path().join("cache");
    let cache = ComponentCache::at(&cache_dir).with_key(&key(1));
    let engine = engine();
    let (_, first) = cache.load(&engine, &probe())?;
    assert_eq!(first, CacheOutcome::Compiled);
    let (second, log) = logged(|| cache.load(&engine, &probe()));
    assert_eq!(second?.1, CacheOutcome::Hit);
    assert!(
        !log.contains("WARN"),
        "a good artefact was warned about: {log}"
    );
    #[cfg(unix)]
    {
        assert_eq!(crate::private_files::mode(&cache_dir)?, 0o700);
        assert_eq!(
            crate::private_files::mode(&artefact_of(&cache_dir, &probe()))?,
            0o600
        );
    }
    Ok(())
}

/// How a test spoils B's artefact, given A's and B's artefact paths.
type Spoil = fn(&Path, &Path) -> std::io::Result<()>;

fn rewrite(path: &Path, f: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<()> {
    let mut bytes = fs::read(path)?;
    f(&mut bytes);
    fs::write(path, bytes)
}

#[tokio::test]
async fn a_spoiled_artefact_is_recompiled_with_a_warning_and_the_component_loaded_is_b()
-> TestResult {
    const TAG: &str = "authentication tag does not match";
    let mut cases: Vec<(&str, &str, Spoil)> = vec![
        ("a flipped byte in the code", TAG, |_, b| {
            rewrite(b, |f| {
                let i = f.len() / 2;
                f[i] ^= 0x40;
            })
        }),
        ("a flipped byte in the tag", TAG, |_, b| {
            rewrite(b, |f| f[12] ^= 1)
        }),
        ("a truncated file", TAG, |_, b| {
            rewrite(b, |f| f.truncate(f.len() / 3))
        }),
        (
            "a file without a tag (wasmtime's own format)",
            "no Plugboard header",
            |_, b| {
                let engine = engine();
                let component =
                    Component::from_binary(&engine, &hostile()).map_err(std::io::Error::other)?;
                fs::write(b, component.serialize().map_err(std::io::Error::other)?)
            },
        ),
        ("plugin A's artefact copied over B's name", TAG, |a, b| {
            fs::copy(a, b).map(|_| ())
        }),
        (
            "an artefact written under another master key",
            TAG,
            |_, b| {
                let dir = tempfile::tempdir()?;
                let other = ComponentCache::at(dir.path()).with_key(&key(2));
                other
                    .load(&engine(), &hostile())
                    .map_err(std::io::Error::other)?;
                fs::copy(artefact_of(dir.path(), &hostile()), b).map(|_| ())
            },
        ),
    ];
    #[cfg(unix)]
    cases.push((
        "a symlink to an endless file",
        "not a regular file",
        |_, b| {
            fs::remove_file(b)?;
            std::os::unix::fs::symlink("/dev/zero", b)
        },
    ));
    let manifest = Manifest::parse(&fs::read_to_string(
        repo_root().join("tests/fixtures/hostile/plugin.toml"),
    )?)?;
    let master = key(1);
    for (case, reason, spoil) in cases {
        let dir = tempfile::tempdir()?;
        let cache = ComponentCache::at(dir.path()).with_key(&master);
        let engine = engine();
        cache.load(&engine, &probe())?;
        cache.load(&engine, &hostile())?;
        let (a, b) = (
            artefact_of(dir.path(), &probe()),
            artefact_of(dir.path(), &hostile()),
        );
        spoil(&a, &b)?;

        let (loaded, log) = logged(|| cache.load(&engine, &hostile()));
        let (_, outcome) = loaded.map_err(|e| format!("{case}: {e}"))?;
        assert_eq!(outcome, CacheOutcome::Recompiled, "{case}");
        assert!(
            log.contains("WARN") && log.contains("refusing a compiled artefact"),
            "{case}: no warning in {log}"
        );
        assert!(log.contains(reason), "{case}: {reason:?} not in {log}");
        assert!(
            log.contains(&b.display().to_string()),
            "{case}: the file is not named in {log}"
        );
        assert!(
            !log.contains(&master.to_hex()[..16]),
            "{case}: the key is in {log}"
        );

        // The replacement passes, and it is B that runs.
        let runtime = Runtime::new(cache.clone())?;
        let plugin = runtime.load(manifest.clone(), hostile()).await?;
        assert_eq!(plugin.cache_outcome(), CacheOutcome::Hit, "{case}");
        let info = plugin
            .describe_offline()
            .await
            .map_err(|e| format!("{case}: {e}"))?;
        assert_eq!(info.id, "hostile", "{case}");
        // A's artefact was not touched.
        assert_eq!(
            cache.load(&engine, &probe())?.1,
            CacheOutcome::Hit,
            "{case}"
        );
    }
    Ok(())
}

#[test]
fn a_cache_without_a_key_never_reads_or_writes_the_disk() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cache_dir = dir.path().join("cache");
    let cache = ComponentCache::at(&cache_dir);
    let engine = engine();
    // A valid artefact from a keyed cache is there, and still not used.
    ComponentCache::at(&cache_dir)
        .with_key(&key(1))
        .load(&engine, &probe())?;
    let before = fs::read(artefact_of(&cache_dir, &probe()))?;
    for _ in 0..2 {
        assert_eq!(cache.load(&engine, &probe())?.1, CacheOutcome::Compiled);
        assert_eq!(cache.load(&engine, &hostile())?.1, CacheOutcome::Compiled);
    }
    assert_eq!(
        fs::read_dir(&cache_dir)?.count(),
        1,
        "the keyless cache wrote"
    );
    assert_eq!(fs::read(artefact_of(&cache_dir, &probe()))?, before);
    Ok(())
}

#[test]
fn forget_all_deletes_every_artefact_and_nothing_else() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cache = ComponentCache::at(dir.path()).with_key(&key(1));
    let engine = engine();
    cache.load(&engine, &probe())?;
    cache.load(&engine, &hostile())?;
    fs::write(dir.path().join("notes.txt"), b"keep")?;
    ComponentCache::at(dir.path()).forget_all();
    let left: Vec<_> = fs::read_dir(dir.path())?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
    Ok(())
}

#[test]
fn inspecting_says_what_load_would_do_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cache_dir = dir.path().join("cache");
    let cache = ComponentCache::at(&cache_dir).with_key(&key(1));
    let engine = engine();
    assert!(matches!(
        cache.inspect(&engine, &probe()),
        Artefact::Missing(_)
    ));
    assert!(!cache_dir.exists(), "inspecting created the cache");
    cache.load(&engine, &probe())?;
    let path = artefact_of(&cache_dir, &probe());
    assert_eq!(
        cache.inspect(&engine, &probe()),
        Artefact::Authentic(path.clone())
    );
    // Under another master key the same artefact would be refused.
    let other = ComponentCache::at(&cache_dir).with_key(&key(2));
    let before = fs::read(&path)?;
    match other.inspect(&engine, &probe()) {
        Artefact::Refused { path: p, reason } => {
            assert_eq!(p, path);
            assert!(!reason.is_empty());
        }
        seen => panic!("another key's artefact was not refused: {seen:?}"),
    }
    assert_eq!(fs::read(&path)?, before, "inspecting changed the artefact");
    assert_eq!(
        ComponentCache::at(&cache_dir).inspect(&engine, &probe()),
        Artefact::Uncached
    );
    Ok(())
}
