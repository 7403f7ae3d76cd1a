// Copies non-TypeScript assets (.proto contracts) next to the compiled JavaScript in dist/.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';

const roots = ['cluster', 'block', 'storage-node', 'proxy'];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.proto')) {
      mkdirSync(join('dist', dirname(p)), { recursive: true });
      cpSync(p, join('dist', p));
    }
  }
}
for (const r of roots) { try { walk(r); } catch { /* folder may not exist yet */ } }
