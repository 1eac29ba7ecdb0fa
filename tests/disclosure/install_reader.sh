#!/bin/sh
# Installs the independent C2PA reader (@contentauth/c2pa-wasm, pinned in package-lock.json)
# into tests/disclosure/node_modules when it is absent; one installer at a time. Non-zero
# when npm cannot install it (no npm, no registry).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
(
  flock 9
  if [ ! -f "$here/node_modules/@contentauth/c2pa-wasm/package.json" ]; then
    command -v npm >/dev/null || { echo "c2pa reader: npm is not installed" >&2; exit 1; }
    echo "c2pa reader: npm ci in $here" >&2
    (cd "$here" && npm ci --no-audit --no-fund >&2)
  fi
) 9>"$here/.npm-ci.lock"
