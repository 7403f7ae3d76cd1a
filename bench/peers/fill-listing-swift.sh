#!/usr/bin/env bash
# Prepares the list-100k scenario's container on the Swift peer (swift-peer.sh) without storing
# objects: PUTs the container, merges N rows into each replica of its database with Swift's own
# ContainerBroker (fill-listing-swift.py, run in a private mount namespace that sees the peer's
# swift.conf), then PUTs the scenario's marker object so run.js skips its preparation.
#   bench/peers/fill-listing-swift.sh [DATA_DIR] [PROXY_URL] [N]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(realpath -m "${1:-/tmp/strata-bench/swift}")
URL=${2:-http://127.0.0.1:28080}
N=${3:-100000}
C="bench-list-$N"
TOKEN=$(curl -sf -o /dev/null -D - -H 'X-Storage-User: test:tester' -H 'X-Storage-Pass: testing' "$URL/auth/v1.0" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}')
STAMP=$(mktemp); sleep 1
curl -sf -o /dev/null -X PUT -H "X-Auth-Token: $TOKEN" "$URL/v1/AUTH_test/$C"
sleep 2
# The container's databases: the .db files the PUT just created or touched (one per replica).
mapfile -t DBS < <(find "$DATA"/srv/n*/d1/containers -name '*.db' -newer "$STAMP")
rm -f "$STAMP"
[ ${#DBS[@]} -gt 0 ] || { echo "no container database found under $DATA/srv" >&2; exit 1; }
unshare -m --propagation private sh -c 'mount --bind "$0" /etc/swift && shift && exec /usr/bin/python3 "$@"' \
  "$DATA/etc" x "$HERE/fill-listing-swift.py" "$N" "${DBS[@]}"
curl -sf -o /dev/null -X PUT -H "X-Auth-Token: $TOKEN" -H 'etag: d41d8cd98f00b204e9800998ecf8427e' --data-binary '' "$URL/v1/AUTH_test/$C/_prepared_${N}_16"
echo "marker stored; $C holds $N listed objects"
