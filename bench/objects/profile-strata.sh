#!/usr/bin/env bash
# Profiles a Strata all-in-one under one scenario at a time with `node --cpu-prof`, then
# summarises the proxy's and one storage node's profiles with profile-summary.js. Node 20
# refuses --cpu-prof in NODE_OPTIONS, so after `strata start` has initialised the data folder
# the proxy and the 4 storage nodes are started here directly from its config files.
#   bench/objects/profile-strata.sh [SCENARIOS] [DURATION_S] [API]
#   e.g. bench/objects/profile-strata.sh put-4k,get-4k,put-1m,get-1m 15 swift
# Data in $STRATA_PROF_DIR/prof (default /tmp/strata-bench; ports $STRATA_PROF_PORT (28480),
# +10 block, +20..+23 nodes); profiles in $STRATA_PROF_DIR/prof-<scenario>/; summaries printed
# and saved beside them. Runs the dist/ beside this script's tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCENARIOS=${1:-put-4k,get-4k}
DURATION=${2:-15}
API=${3:-swift}
ROOT=${STRATA_PROF_DIR:-/tmp/strata-bench}
PORT=${STRATA_PROF_PORT:-28480}
DATA=$ROOT/prof
export STRATA_BENCH_PROXY_PORT=$PORT STRATA_BENCH_BLOCK_PORT=$((PORT + 10)) STRATA_BENCH_BASE_PORT=$((PORT + 20))
URL=http://127.0.0.1:$PORT
peer() { bench/peers/strata-peer.sh "$1" "$DATA"; }
trap 'for f in '"$ROOT"'/prof-*/run/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; true' EXIT

# Preparation without the profiler, so GET profiles show only GETs.
peer start
node dist/bench/objects/run.js --endpoint "$URL" --api "$API" --scenario "$SCENARIOS" --count 1 --out "$ROOT/prof.jsonl" >/dev/null
peer stop

# start_profiled DIR: proxy + storage nodes under --cpu-prof, PIDs in DIR/run.
start_profiled() {
  mkdir -p "$1/run"
  for n in 1 2 3 4; do
    node --cpu-prof --cpu-prof-dir="$1" dist/tools/strata.js storage-node --config "$DATA/nodes/n$n.json" >>"$1/n$n.log" 2>&1 &
    echo $! >"$1/run/n$n.pid"
  done
  node --cpu-prof --cpu-prof-dir="$1" dist/tools/strata.js proxy --config "$DATA/proxy.json" >>"$1/proxy.log" 2>&1 &
  echo $! >"$1/run/proxy.pid"
  for _ in $(seq 1 120); do curl -sf -o /dev/null "$URL/healthcheck" && return 0; sleep 0.5; done
  echo "profiled processes not ready" >&2; return 1
}

# stop_profiled DIR: SIGTERM by PID (the profile is written on a clean exit), then wait.
stop_profiled() {
  for f in "$1"/run/*.pid; do kill "$(cat "$f")" 2>/dev/null || true; done
  for f in "$1"/run/*.pid; do
    for _ in $(seq 1 40); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$(cat "$f")" 2>/dev/null || true
  done
}

for s in ${SCENARIOS//,/ }; do
  out=$ROOT/prof-$s
  rm -rf "$out"; mkdir -p "$out"
  start_profiled "$out"
  node dist/bench/objects/run.js --endpoint "$URL" --api "$API" --scenario "$s" --duration "$DURATION" \
    --pid-dir "$out/run" --label profiled --out "$ROOT/prof.jsonl" | tee "$out/run.txt"
  proxy=$(cat "$out/run/proxy.pid"); n1=$(cat "$out/run/n1.pid")
  stop_profiled "$out"
  for pid in "$proxy" "$n1"; do
    f=$(ls "$out"/*."$pid".*.cpuprofile 2>/dev/null | head -1 || true)
    [ -n "$f" ] && node dist/bench/objects/profile-summary.js "$f" --top 20 | tee -a "$out/summary.txt"
  done
done
