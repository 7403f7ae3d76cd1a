import { startBlockStack } from './block-harness.js';
const s = await startBlockStack();
await s.manager.create('v1', 64 * 1024 * 1024);
console.log(s.uri('v1'));
await new Promise((r) => setTimeout(r, 120000));
await s.close();
