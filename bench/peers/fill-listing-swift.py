#!/usr/bin/python3
"""Prepares the list-100k scenario's container on the Swift peer without storing objects.

  bench/peers/fill-listing-swift.sh DATA_DIR PROXY_URL [N]   (runs this inside the peer's mount namespace)

Merges N object rows (o00000000..., 16 bytes, as run.js names them) into every replica of the
container's database with Swift's own ContainerBroker.merge_items, 1,000 per call, the way the
container server applies object updates. Arguments: N and the .db files.
"""
import sys
import time

from swift.common.utils import Timestamp
from swift.container.backend import ContainerBroker

n = int(sys.argv[1])
ts = Timestamp(time.time()).internal
for path in sys.argv[2:]:
    broker = ContainerBroker(path)
    started = time.time()
    for i in range(0, n, 1000):
        broker.merge_items([{'name': 'o%08d' % j, 'created_at': ts, 'size': 16,
                             'content_type': 'application/octet-stream',
                             'etag': 'd41d8cd98f00b204e9800998ecf8427e', 'deleted': 0,
                             'storage_policy_index': 0} for j in range(i, min(n, i + 1000))])
    print('%s: %d rows (%.1f s)' % (path, broker.get_info()['object_count'], time.time() - started))
