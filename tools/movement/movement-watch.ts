/**
 * Shows data-movement progress once or live. Modes: 'tty' (a report, then a refreshing progress
 * bar), 'plain' (one line per sample) and 'json' (one JSON document; one JSON line per sample when
 * watching). Watching ends when the movement is done, on `signal` (Ctrl-C), or after
 * `maxSamples`. Used by `strata cluster status` and by `strata cluster rebalance --watch`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { ClusterConfig } from '../../cluster/index.js';
import { gatherMovementStatus, type MovementSnapshot } from './movement-status.js';
import { readMovementControl, readMovementPlan, type MovementControl, type MovementPlan } from './movement-files.js';
import { RateMeter, computeProgress, type MovementProgress } from './movement-progress.js';
import { barPayload, formatMovementLine, formatMovementReport, movementJson } from './movement-render.js';
import { builderOnlyNodes } from './builder-devices.js';

export type MovementViewMode = 'tty' | 'plain' | 'json';

export interface MovementSources {
  sample(): Promise<MovementSnapshot>;
  readPlan(): Promise<MovementPlan | undefined>;
  readControl(): Promise<MovementControl>;
}

export interface MovementViewOptions {
  mode: MovementViewMode;
  /** Sample until done (or aborted) instead of once. */
  watch: boolean;
  intervalMs: number;
  out: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Stop after this many samples (tests). */
  maxSamples?: number;
}

/** The sources of a real cluster: its nodes (plus nodes so far only in the builders) and files. */
export function clusterSources(config: ClusterConfig, timeoutMs = 3_000): MovementSources {
  // Looked up once: builders change only with add-node, and loading them every sample costs.
  let extra: Promise<Array<{ ip: string; port: number }>> | undefined;
  return {
    sample: async () => gatherMovementStatus(config, { timeoutMs, extra: await (extra ??= builderOnlyNodes(config.ringDir)) }),
    readPlan: () => readMovementPlan(config.ringDir),
    readControl: () => readMovementControl(config.ringDir),
  };
}

/** The mode for a command's flags and its output stream. */
export function chooseMode(json: boolean | undefined, out: { isTTY?: boolean }): MovementViewMode {
  if (json) return 'json';
  return out.isTTY ? 'tty' : 'plain';
}

/**
 * Shows the movement (once, or live with `watch`) and returns the last progress.
 * @throws what the sources throw (e.g. an unreadable ring file)
 */
export async function showMovement(src: MovementSources, o: MovementViewOptions): Promise<MovementProgress> {
  const meter = new RateMeter();
  const take = async (): Promise<MovementProgress> => {
    const [snapshot, plan, control] = await Promise.all([src.sample(), src.readPlan(), src.readControl()]);
    meter.add(snapshot);
    return computeProgress(snapshot, plan, control, meter.rate());
  };
  const write = (text: string): void => { o.out.write(`${text}\n`); };

  let p = await take();
  if (!o.watch) {
    write(o.mode === 'json' ? JSON.stringify(movementJson(p), null, 2) : formatMovementReport(p));
    return p;
  }
  let bar: cliProgress.SingleBar | undefined;
  const show = (): void => {
    if (o.mode === 'json') write(JSON.stringify(movementJson(p)));
    else if (o.mode === 'plain') write(formatMovementLine(p));
    else if (!bar) {
      write(formatMovementReport(p));
      bar = new cliProgress.SingleBar({
        stream: o.out, hideCursor: true, barsize: 30, fps: 5,
        format: '{bar} {percentage}% | left {left} | {speed} | ETA {remaining}{state}',
      }, cliProgress.Presets.shades_classic);
      bar.start(1000, Math.round((p.fraction ?? 0) * 1000), barPayload(p));
    } else {
      bar.update(Math.round((p.fraction ?? 0) * 1000), barPayload(p));
    }
  };
  try {
    show();
    for (let n = 1; !p.snapshot.done && !o.signal?.aborted && (o.maxSamples === undefined || n < o.maxSamples); n++) {
      try {
        await sleep(o.intervalMs, undefined, o.signal ? { signal: o.signal } : {});
      } catch {
        break; // aborted: Ctrl-C ends the watch
      }
      p = await take();
      show();
    }
  } finally {
    if (bar) {
      bar.stop();
      if (p.snapshot.done) write(formatMovementReport(p));
    }
  }
  return p;
}
