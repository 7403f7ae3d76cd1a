#!/usr/bin/python3
"""Runs one ring-bench scenario through OpenStack Swift's RingBuilder (Debian python3-swift).

Usage: /usr/bin/python3 swift-ring-bench.py SPEC.json  ->  one JSON object on stdout.
SPEC holds partPower, replicas, devices, growth, removeServer, failDisk (see layouts.ts).
"""
import copy
import itertools
import json
import os
import sys
import tempfile
import time

from swift.common.ring import Ring, RingBuilder

MAX_ROUNDS = 10


def cpu():
    return time.process_time()


def snapshot(b):
    return [row[:] for row in b._replica2part2dev]


def moved(before, after):
    n = 0
    for p in range(len(before[0])):
        was = set(row[p] for row in before)
        n += sum(1 for row in after if row[p] not in was)
    return n


def dev(d):
    return dict(id=d['id'], region=d['region'], zone=d['zone'], ip=d['ip'], port=d['port'],
                device=d['device'], weight=d['weight'], meta='')


def change(built, apply, changed_weight, seed):
    b = copy.deepcopy(built)
    total_before = sum(d['weight'] for d in b.devs if d)
    apply(b)
    b.pretend_min_part_hours_passed()
    before = snapshot(b)
    t0 = cpu()
    b.rebalance(seed=seed)
    cpu_s = cpu() - t0
    total_after = sum(d['weight'] for d in b.devs if d)
    slots = b.parts * b.replicas
    ideal = changed_weight / max(total_before, total_after) * slots
    m = moved(before, b._replica2part2dev)
    rounds = 1
    while b.get_balance() >= 1 and rounds < MAX_ROUNDS:
        b.pretend_min_part_hours_passed()
        b.rebalance(seed=seed + rounds)
        rounds += 1
    return dict(moved=m, ideal=round(ideal), ratio=m / ideal, rounds=rounds if b.get_balance() < 1 else None,
                cpuS=cpu_s, balance=b.get_balance(), dispersionPct=b.dispersion)


def per_second(n, fn):
    t0 = cpu()
    for i in range(n):
        fn(i)
    return n / (cpu() - t0)


def main():
    spec = json.load(open(sys.argv[1]))
    t0 = cpu()
    b = RingBuilder(spec['partPower'], spec['replicas'], 1)
    for d in spec['devices']:
        b.add_dev(dev(d))
    b.rebalance(seed=1)
    build_cpu = cpu() - t0
    balance = b.get_balance()
    dispersion = b.dispersion
    by_id = {d['id']: d for d in spec['devices']}

    def grow(x):
        for d in spec['growth']:
            x.add_dev(dev(d))

    def remove(x):
        for i in spec['removeServer']:
            x.remove_dev(i)

    def fail(x):
        x.set_dev_weight(spec['failDisk'], 0)

    g = change(b, grow, sum(d['weight'] for d in spec['growth']), 2)
    r = change(b, remove, sum(by_id[i]['weight'] for i in spec['removeServer']), 3)
    f = change(b, fail, by_id[spec['failDisk']]['weight'], 4)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'object.ring.gz')
        b.get_ring().save(path)
        size = os.path.getsize(path)
        loads = []
        walls = []
        for _ in range(7):
            t = time.perf_counter()
            c = cpu()
            ring = Ring(path)
            ring.get_part('a')  # forces the load
            loads.append((cpu() - c) * 1000)
            walls.append((time.perf_counter() - t) * 1000)
        loads.sort()
        walls.sort()
        n = 100000
        names = ['o%d' % i for i in range(n)]
        parts = [ring.get_part('AUTH_bench', 'c%d' % (i % 1000), names[i]) for i in range(n)]
        parts_s = per_second(n, lambda i: ring.get_part('AUTH_bench', 'c%d' % (i % 1000), names[i]))
        prim_s = per_second(n, lambda i: ring.get_part_nodes(parts[i]))
        hand_s = per_second(n // 5, lambda i: list(itertools.islice(ring.get_more_nodes(parts[i]), 6)))

    json.dump(dict(layout=spec['name'], system='swift', devices=len(spec['devices']), partPower=spec['partPower'],
                   buildCpuS=build_cpu, balance=balance, dispersionPct=dispersion, grow=g, remove=r, fail=f,
                   partsPerS=parts_s, primariesPerS=prim_s, handoffsPerS=hand_s, ringBytes=size, loadMs=loads[3], loadWallMs=walls[3]),
              sys.stdout)


if __name__ == '__main__':
    main()
