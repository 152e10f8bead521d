#!/usr/bin/env bash
# Build every connector plugin, and the test/benchmark fixture components under
# tests/fixtures/, as WebAssembly components (wasm32-wasip2, release).
# Output: target/wasm32-wasip2/release/plugboard_<name>.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
plugins=()
for manifest in plugins/*/Cargo.toml tests/fixtures/*/Cargo.toml; do
  [ -f "$manifest" ] || continue
  plugins+=(-p "$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -n1)")
done
cargo build --release --target wasm32-wasip2 "${plugins[@]}"

# Plugins in TypeScript (sdk-ts) and Python (sdk-py), when their pinned tools
# are installed (`npm ci` in sdk-ts/, `pip install -r sdk-py/requirements.txt`;
# .ci/run does both). A component newer than its sources is not rebuilt.
out="${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release"
mkdir -p "$out"
stale() { # stale OUTPUT SOURCE_DIR...
  [ ! -f "$1" ] && return 0
  local o="$1"; shift
  [ -n "$(find "$@" -newer "$o" -type f -not -path '*/node_modules/*' -not -name '*.pyc' -print -quit)" ]
}
# The pinned TypeScript and Python tools, when npm and pip are at hand (a
# machine without them builds the Rust plugins only; those tests then skip).
if [ ! -d sdk-ts/node_modules ] && command -v npm >/dev/null; then
  (cd sdk-ts && npm ci --ignore-scripts --no-audit --no-fund) \
    || echo "build-plugins: npm ci in sdk-ts failed: TypeScript plugins not built" >&2
fi
if [ -d sdk-ts/node_modules ] && command -v node >/dev/null; then
  for dir in plugins/*-ts tests/fixtures/*-ts; do
    [ -f "$dir/plugin.toml" ] || continue
    wasm="$out/$(sed -n 's/^component = "\(.*\)"/\1/p' "$dir/plugin.toml")"
    if stale "$wasm" "$dir" sdk-ts/src sdk-ts/build.mjs; then
      node sdk-ts/build.mjs "$dir" --out "$wasm"
    fi
  done
  # The samples once more on QuickJS (NAME_qjs.wasm): the second engine's
  # e2e test and benchmark.
  for dir in plugins/*-ts; do
    [ -f "$dir/plugin.toml" ] || continue
    wasm="$out/$(sed -n 's/^component = "\(.*\)\.wasm"/\1/p' "$dir/plugin.toml")_qjs.wasm"
    if stale "$wasm" "$dir" sdk-ts/src sdk-ts/build.mjs; then
      node sdk-ts/build.mjs "$dir" --out "$wasm" --engine quickjs
    fi
  done
else
  echo "build-plugins: sdk-ts/node_modules missing (run npm ci in sdk-ts): TypeScript plugins not built" >&2
fi
python="${PLUGBOARD_PYTHON:-python3}"
if command -v "$python" >/dev/null && ! "$python" -c 'import componentize_py' 2>/dev/null; then
  "$python" -m pip install --quiet --disable-pip-version-check -r sdk-py/requirements.txt \
    || echo "build-plugins: pip install -r sdk-py/requirements.txt failed: Python plugins not built" >&2
fi
if command -v "$python" >/dev/null && "$python" -c 'import componentize_py' 2>/dev/null; then
  for dir in plugins/*-py; do
    [ -f "$dir/plugin.toml" ] || continue
    wasm="$out/$(sed -n 's/^component = "\(.*\)"/\1/p' "$dir/plugin.toml")"
    if stale "$wasm" "$dir" sdk-py/plugboard_sdk sdk-py/build.py; then
      "$python" sdk-py/build.py "$dir" --out "$wasm"
    fi
  done
else
  echo "build-plugins: componentize-py missing (pip install -r sdk-py/requirements.txt): Python plugins not built" >&2
fi
