/**
 * What the NBD server needs from the block layer, as a small table of callbacks (after nbdkit's
 * plugin API): a list of exports, and per export size, capabilities and I/O. The server knows
 * nothing of volumes, extents or replicas.
 */

/** A read result piece: `data` undefined means the range reads as zeros (a hole). */
export interface ReadPiece { at: number; length: number; data?: Buffer }

/** An allocation run for base:allocation: flags bit 0 hole, bit 1 reads as zeros. */
export interface StatusRun { length: number; flags: number }

export interface NbdExport {
  readonly name: string;
  readonly description: string;
  /** Current size in bytes. */
  size(): number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Promise<ReadPiece[]>;
  write(offset: number, data: Buffer, fua: boolean): Promise<void>;
  flush(): Promise<void>;
  /** TRIM (`trim` true, advisory) or WRITE_ZEROES. */
  zero(offset: number, length: number, opts: { trim: boolean; fua: boolean; fastZero: boolean; noHole: boolean }): Promise<void>;
  blockStatus(offset: number, length: number): StatusRun[];
  /** Called once when the connection that opened it ends. */
  release(): Promise<void>;
}

export interface NbdExportProvider {
  /** Names (and descriptions) for NBD_OPT_LIST. */
  list(): Promise<Array<{ name: string; description: string }>>;
  /**
   * Opens an export for one connection (or just describes it when `probeOnly`, for NBD_OPT_INFO).
   * @throws NOT_FOUND for an unknown name; IN_USE when another gateway writes it
   */
  open(name: string, probeOnly: boolean): Promise<NbdExport>;
}
