#!/usr/bin/env bash
# Build the plugins (the end-to-end tests load the real components), then run every
# test, with the `demo` feature so `plugboard demo` and `plugboard sim` are tested too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo test --workspace --all-targets --features plugboard/demo "$@"
