/**
 * The way a long-running process of ours ends: on SIGTERM or SIGINT, close once (stop taking
 * work, finish what runs), then exit 0, or 1 when closing failed. A second signal while closing
 * changes nothing.
 */
export function closeOnSignals(close: () => Promise<unknown>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
