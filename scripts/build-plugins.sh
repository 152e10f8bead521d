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
