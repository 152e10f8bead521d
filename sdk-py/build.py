#!/usr/bin/env python3
"""Build a Plugboard connector written in Python into a WebAssembly component
with componentize-py (pinned in requirements.txt), so authors never meet the
tool's options:

    python3 build.py [PLUGIN_DIR] [--out FILE]

PLUGIN_DIR holds plugin.toml (whose ``component`` names the output, written
beside it unless --out says otherwise) and src/app.py, whose ``WitWorld``
class (a ``plugboard_sdk.Connector``) implements the exports. The SDK
(this directory) and the plugin's src/ are on the component's Python path.
"""

import os
import re
import shutil
import subprocess
import sys
import time

SDK = os.path.dirname(os.path.abspath(__file__))
WIT = os.environ.get("PLUGBOARD_WIT", os.path.join(SDK, "..", "wit", "v0.2.0"))


def tool() -> str:
    """componentize-py beside this Python (a venv), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "componentize-py")
    found = here if os.path.exists(here) else shutil.which("componentize-py")
    if not found:
        sys.exit("plugboard-build-py: componentize-py is not installed: pip install -r " + os.path.join(SDK, "requirements.txt"))
    return found


def main(argv) -> int:
    out = None
    if "--out" in argv:
        i = argv.index("--out")
        out = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    plugin = os.path.abspath(argv[0] if argv else ".")
    with open(os.path.join(plugin, "plugin.toml"), encoding="utf-8") as f:
        m = re.search(r'^component\s*=\s*"([^"]+)"', f.read(), re.M)
    if not m:
        sys.exit('plugboard-build-py: plugin.toml names no `component = "FILE.wasm"`')
    out = os.path.abspath(out or os.path.join(plugin, m.group(1)))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    started = time.time()
    cmd = [tool(), "-d", os.path.abspath(WIT), "-w", "connector", "componentize", "app",
           "-p", os.path.join(plugin, "src"), "-p", SDK, "-o", out]
    run = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    if run.returncode != 0:
        return run.returncode
    print(f"built {out} ({os.path.getsize(out) / 1e6:.1f} MB) in {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
