/**
 * RegisterAcceptor: the acceptor half of CASPaxos, holding the block layer's metadata registers
 * (volume catalog, leases). Each register is one small JSON file per device, replaced durably on
 * every promise and accept, because a promise forgotten after a crash breaks consensus.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { StoreError, fromFsError, writeFileAtomic } from '../common/index.js';
import {
  KeyedMutex, compareBallots, type Ballot, type PrepareRequest, type PrepareResponse, type AcceptRequest,
  type AcceptResponse,
} from '../cluster/index.js';

interface RegisterState { promised: Ballot; accepted: Ballot; value: string }

const ZERO: Ballot = { counter: 0, proposer: '' };
const MAX_KEY = 200;
const MAX_VALUE = 8 * 1024 * 1024;

export class RegisterAcceptor {
  private readonly devices: Map<string, string>;
  private readonly locks = new KeyedMutex();

  constructor(devices: ReadonlyArray<{ name: string; path: string }>) {
    this.devices = new Map(devices.map((d) => [d.name, d.path]));
  }

  private pathOf(device: string, key: string): string {
    const root = this.devices.get(device);
    if (root === undefined) throw new StoreError('NOT_MOUNTED', `Cannot use device "${device}": not on this node`);
    if (key.length === 0 || key.length > MAX_KEY) throw new StoreError('INVALID_ARGUMENT', `Cannot use register key "${key}"`);
    return join(root, 'block-meta', `${Buffer.from(key).toString('base64url')}.json`);
  }

  private async load(path: string): Promise<RegisterState> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as RegisterState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { promised: ZERO, accepted: ZERO, value: '' };
      if (err instanceof SyntaxError) throw new StoreError('CORRUPT', `Cannot read register "${path}": not JSON`);
      throw fromFsError(err, `Cannot read register "${path}"`);
    }
  }

  private async save(path: string, state: RegisterState): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(state));
  }

  /** Phase 1: promise to ignore lower ballots; returns what was accepted so far. */
  async prepare(req: PrepareRequest): Promise<PrepareResponse> {
    const path = this.pathOf(req.device, req.key);
    return this.locks.exclusive(path, async () => {
      const s = await this.load(path);
      if (compareBallots(req.ballot, s.promised) <= 0 || compareBallots(req.ballot, s.accepted) <= 0) {
        return { ok: false, promised: maxBallot(s.promised, s.accepted), accepted: s.accepted, value: '' };
      }
      s.promised = req.ballot;
      await this.save(path, s);
      return { ok: true, promised: s.promised, accepted: s.accepted, value: s.value };
    });
  }

  /** Phase 2: accept a value unless a higher ballot was promised. */
  async accept(req: AcceptRequest): Promise<AcceptResponse> {
    if (req.value.length > MAX_VALUE) throw new StoreError('TOO_LARGE', `Cannot accept register "${req.key}": value too large`);
    const path = this.pathOf(req.device, req.key);
    return this.locks.exclusive(path, async () => {
      const s = await this.load(path);
      if (compareBallots(req.ballot, s.promised) < 0 || compareBallots(req.ballot, s.accepted) <= 0) {
        return { ok: false, promised: maxBallot(s.promised, s.accepted) };
      }
      await this.save(path, { promised: req.ballot, accepted: req.ballot, value: req.value });
      return { ok: true, promised: req.ballot };
    });
  }
}

function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}
