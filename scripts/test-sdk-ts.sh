#!/usr/bin/env bash
# TypeScript SDK (sdk/typescript): install from the committed lockfile (npm's cache makes later runs offline),
# check the generated types against the contracts, type-check + build, then node's test runner against a real
# gateway and a real worker that the tests start on loopback (tests/sdk/ts_stack.py; needs the Python venv).
set -euo pipefail
cd "$(dirname "$0")/../sdk/typescript"
if ! command -v node >/dev/null 2>&1; then
  echo "test-sdk-ts: node (>= 20) is not installed" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
node scripts/generate.mjs --check
npx --no-install tsc -p tsconfig.json
export WC_PYTHON=${WC_PYTHON:-$(cd ../.. && pwd)/.venv/bin/python}
node --test --test-concurrency=1 test/*.test.mjs
