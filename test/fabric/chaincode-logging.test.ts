/**
 * The chaincode-as-a-service processes of the native network (network/native/deploy.sh: `fabric-chaincode-node
 * server`, no CORE_CHAINCODE_LOGGING_LEVEL, so INFO) print what they printed before chaincode/src/shim-logging.ts
 * made disabled levels skip winston's formatting: fabric-shim's INFO line per transaction, and none of the stub's
 * debug lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TX } from '@obe/chaincode';
import { fabricCall } from './support/fabric-call';
import { describeLive, NETWORK_DIR } from './support/live';

const ORGS = ['gridoperator', 'utility', 'regulator'] as const;
const logOf = (org: string) => path.join(NETWORK_DIR, 'logs', `chaincode-${org}.log`);
const sizeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

describeLive('chaincode server logs on the native network', () => {
  it('an evaluated transaction logs the INFO completion line and no debug line', async () => {
    const before = Object.fromEntries(ORGS.map((org) => [org, sizeOf(logOf(org))]));
    fabricCall({ label: 'gridoperator-user1', mode: 'evaluate', fn: TX.Governance.GetConfig.name });

    let added = '';
    for (let waited = 0; waited < 10_000 && !added.includes('Calling chaincode Invoke() succeeded'); waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      added = ORGS.map((org) => {
        const file = logOf(org);
        const size = sizeOf(file);
        if (size <= before[org]) return '';
        const fd = fs.openSync(file, 'r');
        try {
          const buf = Buffer.alloc(size - before[org]);
          fs.readSync(fd, buf, 0, buf.length, before[org]);
          return buf.toString('utf8');
        } finally {
          fs.closeSync(fd);
        }
      }).join('');
    }
    expect(added).toContain('Calling chaincode Invoke() succeeded');
    expect(added).not.toContain('getState called with key');
    expect(added).not.toMatch(/\bdebug\b/);
  });
});
