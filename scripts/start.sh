#!/usr/bin/env bash
# Installs the dependencies, builds, and starts the all-in-one cluster (data in ./data by default).
# Extra arguments go to `strata start` (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-fund --no-audit --loglevel=error
npm run --silent build
exec node dist/tools/strata.js start "$@"
