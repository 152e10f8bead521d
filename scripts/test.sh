#!/usr/bin/env bash
# Build the plugins (the end-to-end tests load the real components), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo test --workspace --all-targets "$@"
