#!/usr/bin/env bash
# Starts and stops a Strata all-in-one for benchmarks, in the background, by PID.
#   bench/peers/strata-peer.sh start [DATA_DIR]   # waits for "ready"; ports from env below
#   bench/peers/strata-peer.sh stop  [DATA_DIR]
# Env: STRATA_BENCH_PROXY_PORT (28180), STRATA_BENCH_BASE_PORT (28200, 4 ports),
#      STRATA_BENCH_BLOCK_PORT (28190), STRATA_BENCH_XFS_GB (24; 0: no XFS image).
# Server PIDs are in DATA_DIR/run/*.pid. Like the Swift peer (swift-peer.sh), the data lives on
# a fresh loop-mounted XFS image (DATA_DIR.xfs.img, made on first start, unmounted at stop), so
# both systems write to the same kind of file system: this host's root ext4 has no journal,
# and creating a file there costs up to ~1 ms of kernel CPU (ext4 scans recently freed inodes),
# which would charge Strata for the host's disk layout. Without mkfs.xfs or loop devices the
# data stays on a plain folder (say so in results).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${2:-/tmp/strata-bench/strata}
PROXY_PORT=${STRATA_BENCH_PROXY_PORT:-28180}
BASE_PORT=${STRATA_BENCH_BASE_PORT:-28200}
BLOCK_PORT=${STRATA_BENCH_BLOCK_PORT:-28190}
PIDFILE="$DATA.pid"
LOG="$DATA.log"
XFS_GB=${STRATA_BENCH_XFS_GB:-24}

prepare_fs() {
  mkdir -p "$DATA"
  if mountpoint -q "$DATA" || [ "$XFS_GB" = 0 ]; then return; fi
  if [ ! -f "$DATA.xfs.img" ]; then
    truncate -s "${XFS_GB}G" "$DATA.xfs.img"
    mkfs.xfs -q "$DATA.xfs.img" 2>/dev/null || { echo "mkfs.xfs failed: data on a plain folder" >&2; rm -f "$DATA.xfs.img"; return; }
  fi
  mount -o loop,noatime "$DATA.xfs.img" "$DATA" 2>/dev/null || echo "cannot loop-mount XFS: data on a plain folder" >&2
}

case "${1:-}" in
  start)
    prepare_fs
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "already running: pid $(cat "$PIDFILE")"; exit 0; fi
    STRATA_HOME="$DATA/.strata-home" nohup node dist/tools/strata.js start --data-dir "$DATA" \
      --proxy-port "$PROXY_PORT" --base-port "$BASE_PORT" --block-port "$BLOCK_PORT" --log-level warn >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 120); do
      if grep -qx ready "$LOG"; then echo "strata ready on http://127.0.0.1:$PROXY_PORT (pid $(cat "$PIDFILE"))"; exit 0; fi
      if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "strata exited:"; cat "$LOG"; exit 1; fi
      sleep 0.5
    done
    echo "strata not ready after 60 s"; exit 1 ;;
  stop)
    [ -f "$PIDFILE" ] || { echo "not running"; exit 0; }
    PID=$(cat "$PIDFILE")
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
    rm -f "$PIDFILE"
    mountpoint -q "$DATA" && umount "$DATA"
    echo "strata stopped" ;;
  *) echo "usage: $0 start|stop [DATA_DIR]"; exit 2 ;;
esac
