/**
 * The node's devices (one folder per disk): name lookup, the "mounted" check and the free-space
 * reserve. A device whose folder is missing (disk not mounted, or wiped) answers NOT_MOUNTED so
 * that the proxy tries another node instead of writing to the root file system.
 */
import { stat, statfs } from 'node:fs/promises';
import { StoreError } from '../common/index.js';

export interface DeviceConfig {
  name: string;
  /** Root folder of the device. */
  path: string;
}

export interface DeviceStatus {
  name: string;
  path: string;
  mounted: boolean;
  totalBytes: number;
  freeBytes: number;
}

/** How long a successful mount check is trusted by default (ms). */
export const MOUNT_CHECK_TTL_MS = 1_000;

/** Looks devices up by name and checks them before each use. */
export class Devices {
  private readonly byName: Map<string, DeviceConfig>;
  /** Device name → time (performance.now() ms) until which its last mount check holds. */
  private readonly mountedUntil = new Map<string, number>();

  /**
   * @param reserveBytes writes fail with NO_SPACE when a device has less free space than this
   * @param mountCheckTtlMs how long a successful mount check is reused; a `stat` on every request
   *   was 2-4% of a node's CPU under small-object load. Callers that find a file missing ask
   *   again with `{ fresh: true }`, so a vanished device still answers NOT_MOUNTED, not NOT_FOUND.
   */
  constructor(readonly list: readonly DeviceConfig[], public reserveBytes = 0, private readonly mountCheckTtlMs = MOUNT_CHECK_TTL_MS) {
    this.byName = new Map(list.map((d) => [d.name, d]));
  }

  /**
   * Root folder of a mounted device. The mount check is reused for `mountCheckTtlMs` unless
   * `fresh` is set.
   * @throws NOT_MOUNTED when the device is unknown or its folder is missing
   */
  async root(name: string, opts?: { fresh?: boolean }): Promise<string> {
    const dev = this.byName.get(name);
    if (!dev) throw new StoreError('NOT_MOUNTED', `Cannot use device "${name}": not on this node`);
    const now = performance.now();
    if (!opts?.fresh && (this.mountedUntil.get(name) ?? 0) > now) return dev.path;
    try {
      const st = await stat(dev.path);
      if (st.isDirectory()) {
        this.mountedUntil.set(name, now + this.mountCheckTtlMs);
        return dev.path;
      }
    } catch {
      // fall through: a missing folder is an unmounted device
    }
    this.mountedUntil.delete(name);
    throw new StoreError('NOT_MOUNTED', `Cannot use device "${name}": not mounted`);
  }

  /**
   * Root folder of a device that may take a write of about `bytes` more.
   * @throws NOT_MOUNTED, NO_SPACE (free space below the reserve)
   */
  async writableRoot(name: string, bytes = 0): Promise<string> {
    const root = await this.root(name);
    if (this.reserveBytes > 0) {
      const free = await freeBytes(root);
      if (free - Math.max(bytes, 0) < this.reserveBytes) {
        throw new StoreError('NO_SPACE', `Cannot write to device "${name}": free space below the reserve`);
      }
    }
    return root;
  }

  /** Mount state and space of every device (for NodeInfo and metrics). */
  async status(): Promise<DeviceStatus[]> {
    return Promise.all(this.list.map(async (d) => {
      try {
        const root = await this.root(d.name);
        const fs = await statfs(root);
        return { name: d.name, path: d.path, mounted: true, totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
      } catch {
        return { name: d.name, path: d.path, mounted: false, totalBytes: 0, freeBytes: 0 };
      }
    }));
  }
}

async function freeBytes(path: string): Promise<number> {
  const fs = await statfs(path);
  return fs.bavail * fs.bsize;
}
