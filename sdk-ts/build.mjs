#!/usr/bin/env node
// Build a Plugboard connector written in TypeScript or JavaScript into a
// WebAssembly component (StarlingMonkey through componentize-js), with the
// workarounds the pinned tools need, so plugin authors never meet them:
//
// - jco 1.35's bundled WASI shim no longer preopens the file system root, so
//   componentize and guest-types fail with "failed to get path metadata ...
//   (os error 44)": we add the preopen before either runs;
// - a component imports wasi:http (fetch) and the other engine features by
//   default, which the host does not link: the build disables `http` and
//   `fetch-event`, and `random` and `clocks` too (the host's clock is
//   `clock.nowMs()`). `stdio` stays: the host captures stderr, so an uncaught
//   exception's message reaches the operator with the failed call;
// - componentize-js resolves only relative imports: `@plugboard/sdk` in a
//   plugin's sources is rewritten to the SDK's transpiled copy;
// - never AOT (weval would download a binary at build time).
//
// `--engine quickjs` builds with QuickJS instead (componentize-qjs, pinned):
// a ~1.7 MB component that compiles in about a second, against ~12 MB for
// StarlingMonkey, with a slower interpreter (BENCHMARKS.md) and fewer web
// APIs (no TextDecoder/TextEncoder: the SDK carries its own UTF-8 codec; no
// URL: a relative `Link` target is followed as given). It is built without
// the component-model async ABI (`sync`), which the host refuses.
//
// Usage:
//   node build.mjs [PLUGIN_DIR] [--out FILE] [--engine starlingmonkey|quickjs]
//                                              build PLUGIN_DIR (default .)
//   node build.mjs types                       regenerate types/ from ../wit
//   node build.mjs test                        the SDK's native tests (npm test)
//
// PLUGIN_DIR holds plugin.toml (whose `component` names the output, written
// beside it unless --out says otherwise) and src/index.ts (or src/index.js).

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, extname } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const SDK = dirname(fileURLToPath(import.meta.url));
const WIT = process.env.PLUGBOARD_WIT ?? join(SDK, '..', 'wit', 'v0.2.0');
const WORLD = 'connector';
const DISABLED = ['random', 'clocks', 'http', 'fetch-event'];
const ENGINES = ['starlingmonkey', 'quickjs'];

/** A mistake on the command line: said without a stack. */
class UsageError extends Error {}

async function preopenRoot() {
  // The shim jco and componentize-js share (one pinned copy, deduped by npm).
  const shim = join(SDK, 'node_modules/@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js');
  const { _addPreopen } = await import(shim);
  _addPreopen('/', '/');
}

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** Transpile every .ts/.js under `from` into `to` (types erased, no check). */
async function transpile(from, to, rewrite) {
  const ts = (await import('typescript')).default;
  for (const file of await filesUnder(from)) {
    const ext = extname(file);
    if (file.endsWith('.d.ts') || !['.ts', '.js', '.mjs'].includes(ext)) continue;
    let text = await readFile(file, 'utf8');
    if (ext === '.ts') {
      text = ts.transpileModule(text, {
        compilerOptions: {
          module: ts.ModuleKind.ES2022,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: false,
        },
        fileName: file,
      }).outputText;
    }
    const target = join(to, relative(from, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, rewrite ? rewrite(text, target) : text);
  }
}

function componentName(manifest) {
  const m = manifest.match(/^component\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error('plugin.toml names no `component = "FILE.wasm"`');
  return m[1];
}

async function build(dir, out, engine) {
  const manifest = await readFile(join(dir, 'plugin.toml'), 'utf8');
  const output = resolve(out ?? join(dir, componentName(manifest)));
  const work = await mkdtemp(join(tmpdir(), 'plugboard-build-js-'));
  try {
    await buildIn(dir, work, output, engine);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildIn(dir, work, output, engine) {
  const sdkOut = join(work, '_plugboard_sdk');
  await transpile(join(SDK, 'src'), sdkOut);
  await transpile(join(dir, 'src'), work, (text, target) => {
    let rel = relative(dirname(target), join(sdkOut, 'index.js'));
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return text.replace(/(from\s*|import\s*\(\s*)(['"])@plugboard\/sdk\2/g, `$1$2${rel}$2`);
  });
  const entry = join(work, 'index.js');
  const started = Date.now();
  const component = engine === 'quickjs' ? await quickjs(entry, work) : await starlingMonkey(entry);
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, component);
  const mb = (component.length / 1e6).toFixed(1);
  console.log(`built ${output} (${mb} MB, ${engine}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function starlingMonkey(entry) {
  await preopenRoot();
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({
    sourcePath: entry,
    witPath: resolve(WIT),
    worldName: WORLD,
    disableFeatures: DISABLED,
  });
  return component;
}

async function quickjs(entry, root) {
  const { componentize } = await import('componentize-qjs');
  const { component } = await componentize({
    witPath: resolve(WIT),
    jsSource: await readFile(entry, 'utf8'),
    jsPath: entry,
    moduleRoot: root,
    world: WORLD,
    // The host refuses the component-model async ABI.
    sync: true,
  });
  return component;
}

async function types() {
  await preopenRoot();
  const { generateGuestTypes } = await import('@bytecodealliance/jco-transpile');
  const files = await generateGuestTypes(resolve(WIT), { worldName: WORLD, outDir: '' });
  const dir = join(SDK, 'types');
  await rm(dir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  console.log(`wrote ${Object.keys(files).length} files to ${dir}`);
}

/** Transpile src/ and test/ to a temporary directory and run node's test runner there. */
async function runTests() {
  const work = await mkdtemp(join(tmpdir(), 'plugboard-sdk-test-'));
  try {
    await transpile(join(SDK, 'src'), join(work, 'src'));
    await transpile(join(SDK, 'test'), join(work, 'test'));
    const { spawnSync } = await import('node:child_process');
    const tests = (await readdir(join(work, 'test'))).filter((f) => f.endsWith('.test.js'));
    const run = spawnSync(process.execPath, ['--test', ...tests.map((f) => join(work, 'test', f))], { stdio: 'inherit' });
    process.exitCode = run.status ?? 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
try {
  if (args[0] === 'types') {
    await types();
  } else if (args[0] === 'test') {
    await runTests();
  } else {
    const option = (name) => {
      const at = args.indexOf(name);
      if (at < 0) return undefined;
      if (at + 1 >= args.length) throw new UsageError(`${name} needs a value`);
      return args.splice(at, 2)[1];
    };
    const out = option('--out');
    const engine = option('--engine') ?? 'starlingmonkey';
    if (!ENGINES.includes(engine)) {
      throw new UsageError(`--engine ${JSON.stringify(engine)}: expected one of ${ENGINES.join(', ')}`);
    }
    await build(resolve(args[0] ?? '.'), out, engine);
  }
} catch (e) {
  console.error(`plugboard-build-js: ${e instanceof UsageError ? e.message : (e?.stack ?? e)}`);
  process.exit(1);
}
