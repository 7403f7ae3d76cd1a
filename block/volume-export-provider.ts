/**
 * VolumeExportProvider: NBD exports backed by volumes. Export names are volume names or ids
 * (read-write, one VolumeAttachment shared by all connections) and "volume@snapshot" (read-only
 * view of a snapshot's layers). The first writable connection takes the volume's lease; the last
 * one to leave flushes and gives it back.
 */
import { StoreError } from '../common/index.js';
import type { NbdExport, NbdExportProvider } from './nbd/nbd-export.js';
import { findSnapshot, findVolume, type VolumeRecord } from './volume-catalog.js';
import type { VolumeManager } from './volume-manager.js';
import { VolumeAttachment, type AttachmentDeps } from './volume-attachment.js';
import { ReplicatedVolume } from './replicated-volume.js';

function exportOf(name: string, description: string, vol: ReplicatedVolume, release: () => Promise<void>): NbdExport {
  let released = false;
  return {
    name,
    description,
    readOnly: vol.readOnly,
    size: () => vol.sizeBytes,
    read: (offset, length) => vol.read(offset, length),
    write: (offset, data, fua) => vol.write(offset, data, fua),
    flush: () => vol.flush(),
    zero: (offset, length, o) => vol.zero(offset, length, o),
    blockStatus: (offset, length) => vol.blockStatus(offset, length),
    release: async () => {
      if (released) return;
      released = true;
      await release();
    },
  };
}

/** An export that only describes a volume (NBD_OPT_INFO, meta-context listing). */
function describe(v: VolumeRecord, name: string, readOnly: boolean): NbdExport {
  const no = () => Promise.reject(new StoreError('INTERNAL', 'Export opened for description only'));
  return {
    name, description: `Strata volume ${v.id}`, readOnly, size: () => v.sizeBytes,
    read: no, write: no, flush: no, zero: no, blockStatus: () => [], release: async () => undefined,
  };
}

export class VolumeExportProvider implements NbdExportProvider {
  private readonly attached = new Map<string, Promise<VolumeAttachment>>();

  constructor(private readonly manager: VolumeManager, private readonly deps: AttachmentDeps) {}

  async list(): Promise<Array<{ name: string; description: string }>> {
    const c = await this.manager.catalog();
    const out = c.volumes.map((v) => ({ name: v.name, description: `Strata volume ${v.id}, ${v.sizeBytes} bytes` }));
    for (const s of c.snapshots) {
      const v = c.volumes.find((x) => x.id === s.volumeId);
      if (v) out.push({ name: `${v.name}@${s.name}`, description: `Snapshot ${s.id} of volume ${v.name} (read-only)` });
    }
    return out;
  }

  async open(name: string, probeOnly: boolean): Promise<NbdExport> {
    const c = await this.manager.catalog();
    const at = name.indexOf('@');
    if (at > 0) {
      const v = findVolume(c, name.slice(0, at));
      const s = findSnapshot(c, name.slice(at + 1), v.id);
      const view = { id: s.id, name, sizeBytes: s.sizeBytes, extentBytes: s.extentBytes, layers: s.layers };
      if (probeOnly) return describe({ ...v, sizeBytes: s.sizeBytes }, name, true);
      const vol = await ReplicatedVolume.open(this.deps, view, true);
      return exportOf(name, `Snapshot ${s.id} of volume ${v.name}`, vol, async () => undefined);
    }
    const v = findVolume(c, name);
    if (probeOnly) return describe(v, name, false);
    const attachment = await this.attach(v);
    attachment.refs++;
    return exportOf(name, `Strata volume ${v.id}`, attachment.volume, () => this.release(v.id, attachment));
  }

  private async attach(v: VolumeRecord): Promise<VolumeAttachment> {
    let p = this.attached.get(v.id);
    if (!p) {
      p = VolumeAttachment.attach(this.deps, v);
      this.attached.set(v.id, p);
      p.catch(() => this.attached.delete(v.id));
    }
    return p;
  }

  private async release(volumeId: string, a: VolumeAttachment): Promise<void> {
    a.refs--;
    if (a.refs > 0) return;
    this.attached.delete(volumeId);
    await a.detach();
  }

  /** Detaches every volume (gateway shutdown). */
  async close(): Promise<void> {
    const all = [...this.attached.values()];
    this.attached.clear();
    for (const p of all) {
      const a = await p.catch(() => undefined);
      if (a) await a.detach().catch(() => undefined);
    }
  }
}
