#!/usr/bin/env bash
# The deployable binary (built without the `demo` feature) must not link the
# simulators: fail if `plugboard-sim` is among its normal dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if cargo tree -p plugboard -e normal --prefix none | grep -q '^plugboard-sim '; then
  echo "plugboard links plugboard-sim without the demo feature" >&2
  exit 1
fi
