#!/usr/bin/env bash
# Formatting and lints, run before every commit that lands: rustfmt, clippy
# over every crate and target (with the `demo` feature, so the simulators and
# tests are linted too), and clippy over the deployable binary without `demo`
# (it must build, and link no simulator code).
#
# Not part of `.ci/run`: its two clippy passes type-check the whole dependency
# graph twice more (about ten minutes on a 2-core CI machine), which the
# 25-minute CI budget cannot carry next to the test build. CI keeps the cheap
# gates (`cargo fmt --check`, the no-simulator dependency check) and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --features plugboard/demo -- -D warnings
cargo clippy -p plugboard --bins -- -D warnings
scripts/no-sim-in-release.sh
