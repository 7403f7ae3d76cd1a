/**
 * What the running all-in-one does on SIGHUP: read the layout again, rewrite every process config
 * and start the storage nodes it does not run yet (added by `strata cluster add-node --local`).
 * Reloads run one at a time; a request during start-up waits until the first processes are up.
 */
import type { Logger } from '../../common/index.js';
import { readLayout } from './layout.js';
import { writeProcessConfigs } from './process-configs.js';
import type { Supervisor } from './supervisor.js';

export class LayoutReloader {
  private enabled = false;
  private pending = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string, private readonly logLevel: string, private readonly supervisor: Supervisor,
    private readonly log: Logger, private readonly onStarted: (name: string, port: number) => void) {}

  /** Asks for a reload (now, or once enabled). */
  request(): void {
    if (!this.enabled) {
      this.pending = true;
      return;
    }
    this.chain = this.chain.then(() => this.reload()).catch((err: unknown) => this.log.error({ err }, 'layout reload failed'));
  }

  /** Called once the first processes run; performs a reload requested meanwhile. */
  enable(): void {
    this.enabled = true;
    if (this.pending) {
      this.pending = false;
      this.request();
    }
  }

  /** Resolves when the reloads requested so far have finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async reload(): Promise<void> {
    const layout = await readLayout(this.dataDir);
    if (!layout) return;
    const specs = await writeProcessConfigs(this.dataDir, layout, this.logLevel);
    for (const spec of specs.nodes) {
      if (this.supervisor.has(spec.name)) continue;
      this.log.info({ child: spec.name }, 'starting a storage node added to the layout');
      await this.supervisor.start(spec);
      this.onStarted(spec.name, spec.ready.port);
    }
  }
}
