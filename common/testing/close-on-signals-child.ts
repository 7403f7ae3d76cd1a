/** Child process of close-on-signals.test.ts: closes slowly (or fails) when signalled. */
import { closeOnSignals } from '../close-on-signals.js';

const fail = process.argv[2] === 'fail';
let closes = 0;
closeOnSignals(async () => {
  closes += 1;
  process.stdout.write(`closing ${closes}\n`);
  await new Promise((r) => setTimeout(r, 200));
  if (fail) throw new Error('cannot close');
});
process.stdout.write('ready\n');
setInterval(() => undefined, 1000); // stays up until signalled
