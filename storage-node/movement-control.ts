/**
 * The data-movement control of a node (rate limit for bytes pushed to new places, paused),
 * persisted so that it survives a restart: a small JSON file `movement-control.json` in the
 * root folder of every mounted device, written atomically. At start the newest copy wins (by
 * its `setMs`), so a device that was unmounted during a change cannot bring an old value back
 * once the others hold the new one. With no device mounted the control lives in memory only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, writeFileAtomic, type Logger } from '../common/index.js';
import type { MovementControlMsg } from '../cluster/index.js';
import type { Devices } from './devices.js';

export const MOVEMENT_CONTROL_FILE = 'movement-control.json';

/** Nothing paused, no limit: a node that was never told otherwise. */
export const DEFAULT_MOVEMENT_CONTROL: Readonly<MovementControlMsg> = Object.freeze({ maxBytesPerSec: 0, paused: false });

interface Stored extends MovementControlMsg { setMs: number }

/**
 * Checks a control received from a tool.
 * @throws INVALID_ARGUMENT when the rate is not a whole number of bytes from 0 up
 */
export function checkMovementControl(c: Partial<MovementControlMsg> | undefined): MovementControlMsg {
  const rate = Number(c?.maxBytesPerSec ?? 0);
  if (!Number.isSafeInteger(rate) || rate < 0) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot set movement control: "maxBytesPerSec" must be a whole number from 0, not "${String(c?.maxBytesPerSec)}"`);
  }
  return { maxBytesPerSec: rate, paused: Boolean(c?.paused) };
}

export class MovementControlStore {
  constructor(private readonly devices: Devices, private readonly log: Logger) {}

  /** The newest control stored on any mounted device, or the default. Never throws. */
  async load(): Promise<MovementControlMsg> {
    let best: Stored | undefined;
    for (const d of this.devices.list) {
      const root = await this.devices.root(d.name).catch(() => undefined);
      if (!root) continue;
      try {
        const raw = JSON.parse(await readFile(join(root, MOVEMENT_CONTROL_FILE), 'utf8')) as Partial<Stored>;
        const c = checkMovementControl(raw);
        const setMs = Number(raw.setMs ?? 0);
        if (!best || setMs > best.setMs) best = { ...c, setMs };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err, device: d.name }, 'ignoring an unreadable movement control file');
      }
    }
    return best ? { maxBytesPerSec: best.maxBytesPerSec, paused: best.paused } : { ...DEFAULT_MOVEMENT_CONTROL };
  }

  /**
   * Stores the control on every mounted device; returns how many took it. A failing device is
   * logged and skipped (the others hold the value).
   */
  async save(c: MovementControlMsg, nowMs = Date.now()): Promise<number> {
    const text = `${JSON.stringify({ ...c, setMs: nowMs })}\n`;
    let saved = 0;
    for (const d of this.devices.list) {
      const root = await this.devices.root(d.name).catch(() => undefined);
      if (!root) continue;
      try {
        await writeFileAtomic(join(root, MOVEMENT_CONTROL_FILE), text);
        saved += 1;
      } catch (err) {
        this.log.warn({ err, device: d.name }, 'cannot store the movement control on a device');
      }
    }
    if (saved === 0) this.log.warn('movement control kept in memory only: no device could store it');
    return saved;
  }
}
