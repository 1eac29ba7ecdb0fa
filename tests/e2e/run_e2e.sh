#!/usr/bin/env bash
# Runs one browser test file (node --test) against build/vmsg. Installs playwright-core with
# `npm ci` (from package-lock.json, through the registry npm is configured with) when
# tests/e2e/node_modules is missing. Usage: run_e2e.sh VMSG_BIN SOURCE_DIR ARTIFACTS_DIR TEST...
set -euo pipefail
# Absolute paths: the tests run from tests/e2e (a relative build/vmsg would not be found).
VMSG_BIN=$(realpath -m "$1")
SOURCE_DIR=$(realpath -m "$2")
ARTIFACTS=$(realpath -m "$3")
shift 3
E2E_DIR="$SOURCE_DIR/tests/e2e"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is not installed" >&2; exit 1; }
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "e2e: Node.js 20 or later is needed (this is $(node --version))" >&2; exit 1; }
[ -x "${VMSG_CHROMIUM:-/usr/bin/chromium}" ] || { echo "e2e: chromium is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
# One installer at a time: CTest may start several e2e tests together.
(
  flock 9
  if [ ! -f "$E2E_DIR/node_modules/playwright-core/package.json" ]; then
    echo "e2e: npm ci in $E2E_DIR"
    (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
  fi
) 9>"$E2E_DIR/.npm-ci.lock"
mkdir -p "$ARTIFACTS"
export VMSG_BIN VMSG_SOURCE_DIR="$SOURCE_DIR" VMSG_E2E_ARTIFACTS="$ARTIFACTS"
cd "$E2E_DIR"
exec node --test --test-reporter=spec "$@"
