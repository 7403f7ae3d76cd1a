#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the real clients the integration tests
# drive (Debian packages), the npm dependencies, builds, type-checks, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-swiftclient awscli python3-boto3 qemu-utils libnbd-bin python3-libnbd fio nbdkit openssl)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: missing Debian packages (run as root to install): ${missing[*]}" >&2
  fi
fi

npm ci --no-fund --no-audit --loglevel=error
npm run --silent build
npm run --silent lint

log=$(mktemp)
set +e
npx tap --reporter=tap 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^# \{ total:' "$log" | tail -1 || true)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
skip=$(sed -nE 's/.*skip: ([0-9]+).*/\1/p' <<<"$summary")
rm -f "$log"
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
if [ "${pass:-0}" = 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
