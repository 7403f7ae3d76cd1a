/**
 * Units of data movement as operators type and read them: rates such as "50MiB", "100MB/s" or
 * "0" (unlimited), byte counts ("1.5 GiB") and durations ("3m05s").
 */
import { StoreError } from '../../common/index.js';

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3, ti: 1024 ** 4, tib: 1024 ** 4,
};

/**
 * Parses a byte rate: a number with an optional unit (B, KB/MB/GB/TB in powers of 1000,
 * KiB/MiB/GiB/TiB in powers of 1024) and an optional "/s". "0" means unlimited.
 * @returns bytes per second, a whole number
 * @throws INVALID_ARGUMENT for anything else
 */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/\s*s(?:ec)?)?\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot use rate "${text}": expected a number with an optional unit, e.g. 50MiB, 100MB/s or 0 for unlimited`);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new StoreError('INVALID_ARGUMENT', `Cannot use rate "${text}": too large`);
  return bytes;
}

/** "0 B", "512 B", "1.5 KiB", "3.2 GiB" (binary units, 3 significant digits). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.max(0, n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  if (i === 0) return `${Math.round(v)} B`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

/** A rate in bytes/s for people: "unlimited" for 0. */
export function formatRate(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatBytes(bytesPerSec)}/s` : 'unlimited';
}

/** "45s", "3m05s", "2h07m", "3d04h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const pad = (x: number): string => String(x).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}
