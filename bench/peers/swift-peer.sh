#!/usr/bin/env bash
# OpenStack Swift 2.30 (Debian packages) as a private all-in-one on 127.0.0.1, for benchmarks.
#   bench/peers/swift-peer.sh install          # apt-get the packages if missing
#   bench/peers/swift-peer.sh start [DATA_DIR] # configure on first start, start, wait ready
#   bench/peers/swift-peer.sh stop  [DATA_DIR] # stop every daemon by PID, unmount
#   bench/peers/swift-peer.sh status [DATA_DIR]
# Layout like Strata's all-in-one: 4 storage "nodes" (zones 1-4, one device each), 3 replicas,
# part power 10, tempauth with the same users, s3api, its own memcached. Each daemon runs in its
# own mount namespace (unshare -m) where DATA_DIR/etc is bind-mounted on /etc/swift, so the real
# /etc/swift is never read or written. Devices live on a loop-mounted XFS image (DATA_DIR/srv)
# when possible, else on a plain folder (see bench/README.md). PIDs: DATA_DIR/run/*.pid.
# Env: SWIFT_BENCH_PROXY_PORT (28080), SWIFT_BENCH_BASE_PORT (28300: node n uses base+10n+0/1/2
# for object/container/account), SWIFT_BENCH_MEMCACHED_PORT (28011), SWIFT_BENCH_XFS_GB (24),
# SWIFT_BENCH_PROXY_WORKERS (2), SWIFT_BENCH_SERVER_WORKERS (1).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(realpath -m "${2:-/tmp/strata-bench/swift}")
PROXY_PORT=${SWIFT_BENCH_PROXY_PORT:-28080}
BASE=${SWIFT_BENCH_BASE_PORT:-28300}
MC_PORT=${SWIFT_BENCH_MEMCACHED_PORT:-28011}
XFS_GB=${SWIFT_BENCH_XFS_GB:-24}
PROXY_WORKERS=${SWIFT_BENCH_PROXY_WORKERS:-2}
SERVER_WORKERS=${SWIFT_BENCH_SERVER_WORKERS:-1}
ETC="$DATA/etc"; RUN="$DATA/run"; LOGS="$DATA/logs"; SRV="$DATA/srv"
PACKAGES="swift swift-proxy swift-object swift-container swift-account memcached xfsprogs"

install() {
  local missing=""
  for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] && { echo "packages present"; return; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
}

prepare_devices() {
  mkdir -p "$SRV"
  mountpoint -q "$SRV" && return
  if [ ! -f "$DATA/xfs.img" ]; then
    truncate -s "${XFS_GB}G" "$DATA/xfs.img"
    mkfs.xfs -q "$DATA/xfs.img" || { echo "mkfs.xfs failed: plain folder" >&2; rm -f "$DATA/xfs.img"; }
  fi
  if [ -f "$DATA/xfs.img" ] && ! mount -o loop,noatime "$DATA/xfs.img" "$SRV" 2>"$LOGS/mount.err"; then
    echo "cannot loop-mount XFS ($(cat "$LOGS/mount.err")): devices on a plain folder" >&2
  fi
}

check_xattrs() {
  /usr/bin/python3 - "$SRV" <<'PY' || { echo "no user xattrs under $SRV: Swift cannot store objects there (every PUT answers 507)" >&2; exit 1; }
import os, sys
f = os.path.join(sys.argv[1], '.xattr-probe')
open(f, 'w').close()
try:
    os.setxattr(f, 'user.probe', b'x' * 16384)
    print('user xattrs: ok, 16 KiB value accepted')
except OSError as e:
    os.setxattr(f, 'user.probe', b'x')  # raises when there are no user xattrs at all
    print(f'user xattrs: small values only ({e.strerror}): objects with much metadata get 507', file=sys.stderr)
finally:
    os.unlink(f)
PY
}

configure() {
  [ -f "$ETC/object.ring.gz" ] && return
  mkdir -p "$ETC"
  "$HERE/swift-configs.sh" "$ETC" "$SRV" "$PROXY_PORT" "$BASE" "$MC_PORT" "$PROXY_WORKERS" "$SERVER_WORKERS"
  (cd "$ETC"
   for ring in object container account; do
     off=0; [ $ring = container ] && off=1; [ $ring = account ] && off=2
     swift-ring-builder $ring.builder create 10 3 0 >/dev/null
     for n in 1 2 3 4; do swift-ring-builder $ring.builder add "r1z$n-127.0.0.1:$((BASE + 10 * n + off))/d1" 100 >/dev/null; done
     swift-ring-builder $ring.builder rebalance 1 >/dev/null || true
   done)
}

# spawn NAME CMD...: run CMD in a private mount namespace with $ETC on /etc/swift; PID to run/NAME.pid.
spawn() {
  local name=$1; shift
  # unshare without --fork execs its command, and sh execs the daemon: $! is the daemon's PID.
  nohup unshare -m --propagation private sh -c 'mount --bind "$0" /etc/swift && exec "$@"' "$ETC" "$@" >>"$LOGS/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

start() {
  mkdir -p "$DATA" "$RUN" "$LOGS"
  [ -d /etc/swift ] || { echo "/etc/swift must exist as a mount point (install the swift package)" >&2; exit 1; }
  if ls "$RUN"/*.pid >/dev/null 2>&1; then echo "already started (stop first)"; exit 1; fi
  prepare_devices
  for n in 1 2 3 4; do mkdir -p "$SRV/n$n/d1"; done
  check_xattrs
  configure
  nohup memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 256 -u root >>"$LOGS/memcached.log" 2>&1 &
  echo $! >"$RUN/memcached.pid"
  for n in 1 2 3 4; do
    spawn "object-$n" swift-object-server "$ETC/object-$n.conf"
    spawn "container-$n" swift-container-server "$ETC/container-$n.conf"
    spawn "account-$n" swift-account-server "$ETC/account-$n.conf"
  done
  spawn proxy swift-proxy-server "$ETC/proxy-server.conf"
  wait_ready
}

wait_ready() {
  local deadline=$((SECONDS + 180))
  while [ $SECONDS -lt $deadline ]; do
    token=$(curl -s -o /dev/null -D - -H 'X-Storage-User: test:tester' -H 'X-Storage-Pass: testing' \
      "http://127.0.0.1:$PROXY_PORT/auth/v1.0" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}' || true)
    if [ -n "$token" ] && curl -sf -o /dev/null -X PUT -H "X-Auth-Token: $token" "http://127.0.0.1:$PROXY_PORT/v1/AUTH_test/ready-probe"; then
      echo "swift ready on http://127.0.0.1:$PROXY_PORT ($SECONDS s)"; return 0
    fi
    for f in "$RUN"/*.pid; do kill -0 "$(cat "$f")" 2>/dev/null || { echo "$(basename "$f" .pid) died: see $LOGS" >&2; stop; exit 1; }; done
    sleep 1
  done
  echo "swift not ready after 180 s: see $LOGS" >&2; exit 1
}

stop() {
  # Forked workers (children of the PID-file processes) are stopped by PID too.
  local kids=""
  for f in "$RUN"/*.pid; do [ -f "$f" ] && kids="$kids $(pgrep -P "$(cat "$f")" || true)"; done
  for f in "$RUN"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    alive=0; for f in "$RUN"/*.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.5
  done
  for f in "$RUN"/*.pid; do [ -f "$f" ] && { kill -9 "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; }; done
  for k in $kids; do kill -9 "$k" 2>/dev/null || true; done
  mountpoint -q "$SRV" && umount "$SRV" || true
  echo "swift stopped"
}

status() {
  for f in "$RUN"/*.pid; do [ -f "$f" ] || continue; pid=$(cat "$f"); kill -0 "$pid" 2>/dev/null && s=up || s=down; echo "$(basename "$f" .pid) $pid $s"; done
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install|start|stop|status [DATA_DIR]" >&2; exit 2 ;;
esac
