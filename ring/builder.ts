/**
 * RingBuilder: the operator's side of placement. Holds devices and the replica table, rebalances
 * (rebalance.ts), and writes the builder file (its whole state) and the ring file (what nodes
 * load). Each partition remembers when it last moved, so that a rebalance moves at most one
 * replica of a partition per `minPartHours`.
 */
import { randomBytes } from 'node:crypto';
import { StoreError } from '../common/index.js';
import { checkDevice, deviceLabel, NO_DEVICE, type Device } from './device.js';
import { rebalancePlacement } from './rebalance.js';
import { computeBalance, computeDispersion, type DispersionReport } from './dispersion.js';
import { encodeRing, type RingData } from './ring-codec.js';
import { readBuilderFile, writeBuilderFile, type BuilderState } from './builder-file.js';
import { writeFileAtomic } from '../common/index.js';
import { validatePlacement, type Violation } from './validate.js';

/** What one rebalance did and how good the result is. */
export interface RebalanceReport {
  /** Ring version after this rebalance. */
  version: number;
  /** Partition-replicas that moved from one device to another. */
  moved: number;
  /** Partition-replicas placed for the first time (new ring, removed devices' data counts as moved). */
  assigned: number;
  /** Largest deviation of a device from its weight share, percent. */
  balance: number;
  /** The balance whole partition counts allow with this layout (dispersion first), percent. */
  bestBalance: number;
  dispersion: DispersionReport;
  /** Overload (fraction) that full dispersion needs; 0 when weights allow it. */
  requiredOverload: number;
  overload: number | undefined;
  /** Partition-replicas still on weight-0 devices (they drain as min_part_hours allows). */
  onZeroWeight: number;
  warnings: string[];
}

const MINUTE_MS = 60_000;

/** Balance (percent) if every device held exactly its quota. */
function quotaBalance(devices: ReadonlyArray<Device | undefined>, quota: Int32Array, slots: number, partCount: number): number {
  let total = 0;
  for (const d of devices) if (d && d.weight > 0) total += d.weight;
  let worst = 0;
  for (const d of devices) {
    if (!d || !(d.weight > 0)) continue;
    const want = Math.min(partCount, (slots * d.weight) / total);
    worst = Math.max(worst, Math.abs((100 * quota[d.id]!) / want - 100));
  }
  return worst;
}

export class RingBuilder {
  private constructor(private readonly s: BuilderState) {}

  /**
   * A new, empty builder.
   * @throws INVALID_ARGUMENT for a partition power outside 1..24, replicas outside 1..16, or
   * negative min_part_hours
   */
  static create(o: { partPower: number; replicas: number; minPartHours: number; hashSecret?: string }): RingBuilder {
    if (!Number.isInteger(o.partPower) || o.partPower < 1 || o.partPower > 24) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot create ring: partition power "${o.partPower}" is not an integer in 1..24`);
    }
    if (!Number.isInteger(o.replicas) || o.replicas < 1 || o.replicas > 16) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot create ring: replicas "${o.replicas}" is not an integer in 1..16`);
    }
    if (!Number.isInteger(o.minPartHours) || o.minPartHours < 0 || o.minPartHours > 8760) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot create ring: min_part_hours "${o.minPartHours}" is not an integer in 0..8760`);
    }
    if (o.hashSecret !== undefined && o.hashSecret.length === 0) {
      throw new StoreError('INVALID_ARGUMENT', 'Cannot create ring: the hash secret is empty');
    }
    return new RingBuilder({
      partPower: o.partPower, replicas: o.replicas, minPartHours: o.minPartHours, overload: undefined,
      hashSecret: o.hashSecret ?? randomBytes(16).toString('hex'), version: 0, devices: [], removed: [],
      table: undefined, movedAtMin: new Uint32Array(2 ** o.partPower), changed: false,
    });
  }

  /** Reads a builder file. @throws NOT_FOUND, CORRUPT */
  static async load(builderFile: string): Promise<RingBuilder> {
    return new RingBuilder(await readBuilderFile(builderFile));
  }

  /** An independent copy (for what-if planning and benchmarks). */
  clone(): RingBuilder {
    const s = this.s;
    return new RingBuilder({ ...s, devices: s.devices.map((d) => (d ? { ...d } : undefined)), removed: [...s.removed],
      table: s.table?.map((row) => row.slice()), movedAtMin: s.movedAtMin.slice() });
  }

  get partPower(): number { return this.s.partPower; }
  get replicas(): number { return this.s.replicas; }
  get partCount(): number { return 2 ** this.s.partPower; }
  get minPartHours(): number { return this.s.minPartHours; }
  get overload(): number | undefined { return this.s.overload; }
  get hashSecret(): string { return this.s.hashSecret; }
  /** Ring version: increments with every rebalance. */
  get version(): number { return this.s.version; }
  /** True when devices changed since the last rebalance. */
  get changedSinceRebalance(): boolean { return this.s.changed; }
  /** Devices by id (holes for removed ids); devices pending removal are still listed. */
  get devices(): ReadonlyArray<Device | undefined> { return this.s.devices; }
  /** Ids removed since the last rebalance (their partitions move at the next one). */
  get pendingRemoval(): readonly number[] { return this.s.removed; }
  /** The replica table, or undefined before the first rebalance. */
  get table(): ReadonlyArray<Uint16Array> | undefined { return this.s.table; }

  /**
   * Adds a device; returns its id (the given one or the next free one).
   * @throws INVALID_ARGUMENT for bad fields, ALREADY_EXISTS for a duplicate id or ip:port/device
   */
  addDevice(d: Omit<Device, 'id'> & { id?: number }): number {
    const id = d.id ?? this.s.devices.length;
    const dev: Device = { id, region: d.region, zone: d.zone, ip: d.ip, port: d.port, device: d.device,
      weight: d.weight, meta: d.meta ?? '' };
    checkDevice(dev);
    if (this.s.devices[id] !== undefined) throw new StoreError('ALREADY_EXISTS', `Cannot add device: id ${id} is in use`);
    const names = this.nameIndex();
    const key = `${dev.ip}:${dev.port}/${dev.device}`;
    const twin = names.get(key);
    if (twin !== undefined) {
      throw new StoreError('ALREADY_EXISTS', `Cannot add device "${key}": already ${deviceLabel(this.s.devices[twin]!)}`);
    }
    for (let i = this.s.devices.length; i < id; i++) this.s.devices[i] = undefined;
    this.s.devices[id] = dev;
    names.set(key, id);
    this.s.changed = true;
    return id;
  }

  /** Marks a device for removal; its partitions move at the next rebalance. @throws NOT_FOUND */
  removeDevice(id: number): void {
    this.device(id);
    if (!this.s.removed.includes(id)) this.s.removed.push(id);
    this.names = undefined;
    this.s.changed = true;
  }

  /** Changes a device's weight (0 drains it). @throws NOT_FOUND, INVALID_ARGUMENT */
  setWeight(id: number, w: number): void {
    const d = this.device(id);
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot set weight of ${deviceLabel(d)}: "${w}" is not a finite number >= 0`);
    }
    d.weight = w;
    this.s.changed = true;
  }

  /**
   * Lets devices exceed their weight share by at most this fraction (0.1 = 10%) to improve
   * dispersion. Without an overload, dispersion always wins. @throws INVALID_ARGUMENT
   */
  setOverload(f: number): void {
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot set overload: "${f}" is not a finite number >= 0`);
    }
    this.s.overload = f;
    this.s.changed = true;
  }

  /** Makes every partition movable now (tests and emergencies). */
  pretendMinPartHoursPassed(): void {
    this.s.movedAtMin.fill(0);
  }

  /**
   * Reassigns partition-replicas (see rebalance.ts). The ring version increments.
   * @throws INVALID_ARGUMENT when fewer devices with weight > 0 than replicas exist
   */
  rebalance(opts: { seed?: number; nowMs?: number } = {}): RebalanceReport {
    const nowMin = Math.floor((opts.nowMs ?? Date.now()) / MINUTE_MS);
    const view = this.s.devices.map((d) => (d && !this.s.removed.includes(d.id) ? d : undefined));
    const table = this.s.table ?? Array.from({ length: this.s.replicas }, () => new Uint16Array(this.partCount).fill(NO_DEVICE));
    const state = { replicas: this.s.replicas, partCount: this.partCount, table, movedAtMin: this.s.movedAtMin };
    const result = rebalancePlacement(view, state, {
      seed: opts.seed ?? this.s.version + 1, nowMin, minPartHours: this.s.minPartHours, overload: this.s.overload,
    });
    for (const id of this.s.removed) this.s.devices[id] = undefined;
    this.s.removed = [];
    this.s.table = table;
    this.s.version++;
    this.s.changed = false;
    const bal = computeBalance(this.s.devices, table);
    const bestBalance = quotaBalance(this.s.devices, result.quota[3]!, this.s.replicas * this.partCount, this.partCount);
    const dispersion = computeDispersion(this.s.devices, table);
    const warnings: string[] = [];
    const required = result.targets.requiredOverload;
    if (required > 1e-6 && (this.s.overload === undefined || this.s.overload < required)) {
      warnings.push(this.s.overload === undefined
        ? `Dispersion outweighs balance: the failure domains' weights are unequal; some devices get up to ${(required * 100).toFixed(2)}% more than their weight share (set an overload below that to favour balance)`
        : `Overload ${(this.s.overload * 100).toFixed(2)}% is below the ${(required * 100).toFixed(2)}% needed for full dispersion: some partitions keep replicas in one failure domain`);
    }
    if (bal.onZeroWeight > 0) warnings.push(`${bal.onZeroWeight} partition-replicas remain on weight-0 devices until min_part_hours passes`);
    if (dispersion.partitions > 0) warnings.push(`${dispersion.partitions} partitions have replicas closer together than the failure domains allow`);
    return { version: this.s.version, moved: result.moved, assigned: result.assigned, balance: bal.balance, bestBalance, dispersion,
      requiredOverload: required, overload: this.s.overload, onZeroWeight: bal.onZeroWeight, warnings };
  }

  /** Checks every invariant of the current placement; an empty list means all hold. */
  validate(): Violation[] {
    return validatePlacement({ devices: this.s.devices, table: this.s.table, replicas: this.s.replicas,
      partPower: this.s.partPower, pendingRemoval: this.s.removed });
  }

  /** The ring as nodes see it. @throws PRECONDITION_FAILED before the first rebalance */
  ringData(): RingData {
    if (!this.s.table) throw new StoreError('PRECONDITION_FAILED', 'Cannot write ring: the builder has never been rebalanced');
    return { version: this.s.version, partPower: this.s.partPower, replicas: this.s.replicas, hashSecret: this.s.hashSecret,
      devices: this.s.devices.slice(), table: this.s.table };
  }

  /** Writes the builder file atomically. @throws NO_SPACE, NOT_FOUND (folder), INTERNAL */
  save(builderFile: string): Promise<void> {
    return writeBuilderFile(builderFile, this.s);
  }

  /** Writes the ring file atomically. @throws PRECONDITION_FAILED, NO_SPACE, NOT_FOUND, INTERNAL */
  async writeRing(ringFile: string): Promise<void> {
    await writeFileAtomic(ringFile, await encodeRing(this.ringData()));
  }

  private device(id: number): Device {
    const d = Number.isInteger(id) ? this.s.devices[id] : undefined;
    if (!d || this.s.removed.includes(id)) throw new StoreError('NOT_FOUND', `Cannot find device id "${id}"`);
    return d;
  }

  /** "ip:port/device" -> id of live devices; built on first use, kept up to date by addDevice. */
  private names: Map<string, number> | undefined;

  private nameIndex(): Map<string, number> {
    if (!this.names) {
      this.names = new Map();
      for (const x of this.s.devices) {
        if (x && !this.s.removed.includes(x.id)) this.names.set(`${x.ip}:${x.port}/${x.device}`, x.id);
      }
    }
    return this.names;
  }
}
