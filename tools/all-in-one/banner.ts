/** What `strata start` prints once everything is ready: endpoints, credentials, a first command. */
import { join } from 'node:path';
import type { AllInOneLayout } from './layout.js';

export function describeEndpoints(dataDir: string, layout: AllInOneLayout): string {
  const host = `${layout.bindIp}:${layout.proxyPort}`;
  const nodes = layout.nodes.map((n) => `${n.id} ${layout.bindIp}:${n.port}`).join(', ');
  return [
    `Strata all-in-one is running (data in ${dataDir})`,
    `  Swift API   http://${host}/auth/v1.0    user test:tester  key testing`,
    `  S3 API      http://${host}              access key test:tester  secret testing  region us-east-1`,
    `  NBD         nbd://${layout.bindIp}:${layout.blockPort}/<volume>   (strata volume create NAME --size 1G)`,
    `  Nodes       ${nodes}`,
    `  Logs        ${join(dataDir, 'logs')}`,
    `  Other users admin:admin/admin, test:tester2/testing2, test:tester3/testing3, test2:tester2/testing2, test5:tester5/testing5`,
    '  Grow        strata cluster add-node --local, then strata cluster rebalance; watch with strata cluster status --watch',
    `Try: swift -A http://${host}/auth/v1.0 -U test:tester -K testing stat`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}
