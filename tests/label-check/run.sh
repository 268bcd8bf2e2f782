#!/usr/bin/env bash
# The independent label check: installs zpl-renderer-js (npm) and zxing-cpp + pillow (PyPI)
# into this folder, builds dockhand-cli, renders every label data set to PNG and decodes it.
# Fails loudly when a tool cannot be installed or any barcode decodes differently.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v node >/dev/null || { echo "FATAL: node (Node.js 20) is needed for the label check" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FATAL: python3 is needed for the label check" >&2; exit 1; }

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
python3 -m pip install --quiet --disable-pip-version-check --upgrade \
  --target "$here/.pydeps" -r "$here/requirements.txt"
(cd "$root" && cargo build --quiet -p dockhand-app --bin dockhand-cli --locked)
python3 "$here/check.py" --cli "$root/target/debug/dockhand-cli" --out "$here/out"
