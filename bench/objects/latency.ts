/**
 * Latency samples of one run, bounded in count: past `maxSamples` the recorder keeps a
 * uniform reservoir so percentiles stay honest for long runs without unbounded memory.
 */
export interface LatencySummary { p50: number; p90: number; p99: number; max: number; mean: number }

export class LatencyRecorder {
  private readonly samples: number[] = [];
  private seen = 0;
  private sum = 0;
  private maxMs = 0;

  constructor(private readonly maxSamples = 500_000) {}

  /** Records one operation's latency in milliseconds. */
  record(ms: number): void {
    this.seen++;
    this.sum += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.samples.length < this.maxSamples) { this.samples.push(ms); return; }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.maxSamples) this.samples[slot] = ms;
  }

  get count(): number { return this.seen; }

  /** Nearest-rank percentiles in milliseconds; zeros when nothing was recorded. */
  summary(): LatencySummary {
    if (this.seen === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: this.maxMs, mean: this.sum / this.seen };
  }
}
