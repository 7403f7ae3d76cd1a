#!/usr/bin/env bash
# Writes the private Swift configuration used by swift-peer.sh:
#   swift-configs.sh ETC SRV PROXY_PORT BASE MEMCACHED_PORT PROXY_WORKERS SERVER_WORKERS
# ETC is bind-mounted on /etc/swift inside each daemon's mount namespace.
set -euo pipefail
ETC=$1 SRV=$2 PROXY_PORT=$3 BASE=$4 MC_PORT=$5 PROXY_WORKERS=$6 SERVER_WORKERS=$7

cat >"$ETC/swift.conf" <<CONF
[swift-hash]
swift_hash_path_prefix = strata-bench-prefix
swift_hash_path_suffix = strata-bench-suffix

[storage-policy:0]
name = Policy-0
default = yes
CONF

# Storage servers: node n owns SRV/nN (device d1); object/container/account on base+10n+0/1/2.
for n in 1 2 3 4; do
  for role in object container account; do
    off=0; [ $role = container ] && off=1; [ $role = account ] && off=2
    cat >"$ETC/$role-$n.conf" <<CONF
[DEFAULT]
devices = $SRV/n$n
mount_check = false
bind_ip = 127.0.0.1
bind_port = $((BASE + 10 * n + off))
workers = $SERVER_WORKERS
user = root
swift_dir = /etc/swift
log_name = $role-$n
log_level = WARNING

[pipeline:main]
pipeline = $role-server

[app:$role-server]
use = egg:swift#$role

[$role-replicator]
[$role-auditor]
CONF
  done
  printf '[object-updater]\n[object-reconstructor]\n' >>"$ETC/object-$n.conf"
  printf '[container-updater]\n[container-sharder]\n' >>"$ETC/container-$n.conf"
  printf '[account-reaper]\n' >>"$ETC/account-$n.conf"
done

cat >"$ETC/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = $PROXY_WORKERS
user = root
swift_dir = /etc/swift
log_name = proxy
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test_tester2 = testing2 .admin
user_test_tester3 = testing3
user_test2_tester2 = testing2 .admin
user_test5_tester5 = testing5 service

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
