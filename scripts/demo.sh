#!/usr/bin/env bash
# Build the plugins and the host, then run `plugboard demo` (simulators + plugins + a scan).
# Extra arguments go to `plugboard demo`, e.g. `scripts/demo.sh --json`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo build --release -p plugboard --features demo
exec target/release/plugboard demo "$@"
