#!/usr/bin/env node
/**
 * `node dist/bench/objects/profile-summary.js FILE.cpuprofile [--top N]`: where a process spent
 * its CPU, from a `node --cpu-prof` profile: self time grouped by package (node_modules/<pkg>),
 * Node built-in module, Strata folder (dist/<folder>/<file>), GC, idle; then the top functions.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** The bucket a frame's self time is charged to. */
export function categoryOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:')) return url;
  const ours = /\/dist\/([^/]+)\/(?:[^/]+\/)*([^/]+)\.js$/.exec(url);
  if (ours) return `strata:${ours[1]}/${ours[2]}`;
  return url;
}

/** Self milliseconds per category and per function, largest first. */
export function summariseProfile(p: CpuProfile): { totalMs: number; byCategory: Array<[string, number]>; byFunction: Array<[string, number]> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const cat = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    total += ms;
    const c = categoryOf(url, functionName);
    cat.set(c, (cat.get(c) ?? 0) + ms);
    const f = `${functionName || '(anonymous)'} ${c}:${lineNumber + 1}`;
    fns.set(f, (fns.get(f) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byCategory: sorted(cat), byFunction: sorted(fns) };
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) || 25 : 25;
  const files = args.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));
  if (files.length === 0) throw new Error('Usage: profile-summary FILE.cpuprofile [--top N]');
  for (const file of files) {
    const s = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const busy = s.totalMs - (s.byCategory.find(([c]) => c === '(idle)')?.[1] ?? 0);
    const pct = (ms: number): string => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
    process.stdout.write(`${file}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy\n`);
    for (const [c, ms] of s.byCategory.slice(0, top)) if (c !== '(idle)') process.stdout.write(`  ${pct(ms)}  ${c}\n`);
    process.stdout.write('  top functions (self):\n');
    for (const [f, ms] of s.byFunction.filter(([f]) => !f.startsWith('(idle)')).slice(0, top)) process.stdout.write(`  ${pct(ms)}  ${f}\n`);
  }
}

const invokedDirectly = process.argv[1]?.endsWith('profile-summary.js') ?? false;
if (invokedDirectly) {
  try { main(); } catch (err) { process.stderr.write(`${(err as Error).message}\n`); process.exit(1); }
}
