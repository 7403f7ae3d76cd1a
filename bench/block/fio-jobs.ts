/**
 * The fio jobs of the block bench (fio's nbd ioengine), and how to read fio's JSON output. The
 * same jobs run against every target so the figures compare.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FioJob {
  name: string;
  /** What the figure means, for the table. */
  metric: 'MB/s' | 'IOPS' | 'us p50';
  args: string[];
  pick(job: FioJobResult): number;
}

interface FioSide { bw_bytes: number; iops: number; io_bytes?: number; total_ios?: number; clat_ns?: { percentile?: Record<string, number>; mean: number } }
export interface FioJobResult { read: FioSide; write: FioSide; sync?: { lat_ns?: { mean: number; percentile?: Record<string, number> } } }

export function fioJobs(seconds: number, sizeMiB: number): FioJob[] {
  const common = ['--ioengine=nbd', '--direct=1', `--size=${sizeMiB}M`, '--group_reporting=1'];
  const timed = ['--time_based=1', `--runtime=${seconds}`];
  return [
    { name: 'seq-write-1M-qd8', metric: 'MB/s', args: [...common, '--rw=write', '--bs=1M', '--iodepth=8'], pick: (j) => j.write.bw_bytes / 1e6 },
    { name: 'seq-read-1M-qd8', metric: 'MB/s', args: [...common, '--rw=read', '--bs=1M', '--iodepth=8'], pick: (j) => j.read.bw_bytes / 1e6 },
    { name: 'rand-read-4k-qd32', metric: 'IOPS', args: [...common, ...timed, '--rw=randread', '--bs=4k', '--iodepth=32'], pick: (j) => j.read.iops },
    { name: 'rand-write-4k-qd32', metric: 'IOPS', args: [...common, ...timed, '--rw=randwrite', '--bs=4k', '--iodepth=32'], pick: (j) => j.write.iops },
    {
      name: 'write+flush-4k-qd1', metric: 'us p50', args: [...common, ...timed, '--rw=randwrite', '--bs=4k', '--iodepth=1', '--fsync=1'],
      // A write plus its flush: write completion latency plus sync latency, medians.
      pick: (j) => ((j.write.clat_ns?.percentile?.['50.000000'] ?? 0) + (j.sync?.lat_ns?.percentile?.['50.000000'] ?? 0)) / 1000,
    },
  ];
}

/** One fio run: the job's figure plus how much it moved (for CPU per MiB / per request). */
export interface FioRun { value: number; bytes: number; ios: number }

/** Runs one job against an NBD URI. @throws when fio fails */
export async function runFio(job: FioJob, uri: string): Promise<FioRun> {
  const { stdout } = await run('fio', ['--name', job.name, ...job.args, `--uri=${uri}`, '--output-format=json'], {
    timeout: 600_000, maxBuffer: 32 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { jobs: FioJobResult[] };
  const j = parsed.jobs[0];
  return {
    value: job.pick(j),
    bytes: (j.read.io_bytes ?? 0) + (j.write.io_bytes ?? 0),
    ios: (j.read.total_ios ?? 0) + (j.write.total_ios ?? 0),
  };
}
