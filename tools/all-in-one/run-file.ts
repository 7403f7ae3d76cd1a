/**
 * <data>/run/strata.pid: the PID of the running `strata start`, so that other commands can ask
 * it to pick up a changed layout (SIGHUP starts the nodes it does not run yet). A stale file (the
 * all-in-one died without removing it) is detected by checking that the process exists and, where
 * /proc is available, that it is a strata process, so a reused PID is never signalled.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/index.js';

export function allInOnePidFile(dataDir: string): string {
  return join(dataDir, 'run', 'strata.pid');
}

/** Records this process as the running all-in-one. */
export async function writeAllInOnePid(dataDir: string, pid = process.pid): Promise<void> {
  await writeFileAtomic(allInOnePidFile(dataDir), `${pid}\n`);
}

/** Removes the record (on a clean stop); a missing file is fine. */
export async function removeAllInOnePid(dataDir: string): Promise<void> {
  await rm(allInOnePidFile(dataDir), { force: true });
}

/** The PID of the running all-in-one of `dataDir`, or undefined when none runs. */
export async function runningAllInOnePid(dataDir: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(allInOnePidFile(dataDir), 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    // EPERM: it exists but belongs to someone else, so it is not our all-in-one either.
    return undefined;
  }
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.includes('start') && cmdline.some((a) => /strata/.test(a)) ? pid : undefined;
  } catch {
    return pid; // no /proc (not Linux): trust the live PID
  }
}
