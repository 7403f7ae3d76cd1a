/**
 * RegisterClient: linearizable read-modify-write of small metadata values (the volume catalog,
 * volume leases) replicated on the block ring, by CASPaxos: a change is a prepare round and an
 * accept round, each needing a majority of the register's replicas. No leader, no log; contended
 * proposers retry with higher ballots after a random backoff.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../common/index.js';
import { compareBallots, type Ballot, type PrepareResponse } from './block-proto.js';
import type { ExtentClient } from './block-extent-client.js';
import type { BlockPlacement } from './block-placement.js';

/** The change function: gets the current value (undefined when never set), returns the new one. */
export type RegisterChange = (current: string | undefined) => string | undefined | Promise<string | undefined>;

export interface RegisterClientOptions {
  /** Unique proposer id; random by default. */
  proposerId?: string;
  /** Attempts before giving up on contention or missing replicas. */
  maxAttempts?: number;
}

/** Prepare rounds that may find a majority unreachable before a change gives up. */
const UNREACHABLE_ROUNDS = 3;

export class RegisterClient {
  private counter = 0;
  private readonly proposer: string;
  private readonly maxAttempts: number;

  constructor(private readonly client: ExtentClient, private readonly placement: BlockPlacement, opts: RegisterClientOptions = {}) {
    this.proposer = opts.proposerId ?? randomUUID();
    this.maxAttempts = opts.maxAttempts ?? 16;
  }

  /** Reads a register (a full consensus round, so it sees every completed change). */
  async read(key: string): Promise<string | undefined> {
    return this.change(key, (cur) => cur);
  }

  /**
   * Applies `fn` to the register's current value and stores the result; returns it. When `fn`
   * throws, nothing is stored and the error propagates.
   * @throws QUORUM_NOT_MET when a majority of replicas cannot be reached; CONFLICT when contention
   *   outlasts the attempts; whatever `fn` throws
   */
  async change(key: string, fn: RegisterChange): Promise<string | undefined> {
    const replicas = this.placement.registerReplicas(key);
    if (replicas.length === 0) throw new StoreError('UNAVAILABLE', `Cannot change register "${key}": no replicas in the block ring`);
    const majority = Math.floor(replicas.length / 2) + 1;
    let lastError: StoreError | undefined;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await sleep(Math.floor(Math.random() * 20 * 2 ** Math.min(attempt, 5)));
      const ballot: Ballot = { counter: ++this.counter, proposer: this.proposer };
      const prepared = await Promise.allSettled(replicas.map((r) => this.client.prepare(r, { key, ballot })));
      const oks: PrepareResponse[] = [];
      let unreachable = 0;
      for (const p of prepared) {
        if (p.status === 'rejected') {
          unreachable++;
          lastError = p.reason as StoreError;
        } else if (p.value.ok) {
          oks.push(p.value);
        } else {
          this.counter = Math.max(this.counter, p.value.promised.counter);
        }
      }
      if (oks.length < majority) {
        // A replica that just restarted can refuse a call or two while its channel reconnects:
        // give up on unreachable replicas only after a couple of rounds with back-off.
        if (replicas.length - unreachable < majority && attempt >= UNREACHABLE_ROUNDS - 1) break;
        continue;
      }
      let best: PrepareResponse | undefined;
      for (const r of oks) if (r.accepted.counter > 0 && (!best || compareBallots(r.accepted, best.accepted) > 0)) best = r;
      const current = best && best.value !== '' ? best.value : undefined;
      const next = (await fn(current)) ?? '';
      const accepted = await Promise.allSettled(replicas.map((r) => this.client.accept(r, { key, ballot, value: next })));
      let acks = 0;
      for (const a of accepted) {
        if (a.status === 'fulfilled' && a.value.ok) acks++;
        else if (a.status === 'fulfilled') this.counter = Math.max(this.counter, a.value.promised.counter);
        else lastError = a.reason as StoreError;
      }
      if (acks >= majority) return next === '' ? undefined : next;
    }
    if (lastError && lastError.code !== 'CONFLICT') {
      throw new StoreError('QUORUM_NOT_MET', `Cannot change register "${key}": a majority of its replicas is unreachable (${lastError.message})`, { cause: lastError });
    }
    throw new StoreError('CONFLICT', `Cannot change register "${key}": too much contention, try again`);
  }
}
