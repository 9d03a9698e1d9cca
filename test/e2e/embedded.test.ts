import '../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../gateway/src/bootstrap';
import { loadConfig } from '../../gateway/src/config';
import { runScenario } from './scenario';

/**
 * The whole path over HTTP against the gateway `npm start` runs (same bootstrap: first-start identities and keys,
 * governance, audit relay), here in-process on a fresh embedded ledger. Intervals are one minute long (set through
 * the first governance configuration), so the test waits for a real gate closure and a real delivery.
 */
describe('end to end on the embedded ledger', () => {
  let gw: RunningGateway;
  let keys: Record<string, string>;
  beforeAll(async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'obe-e2e-')), 'data');
    gw = await startGateway(loadConfig({ PORT: '0', OBE_DATA_DIR: dataDir, OBE_DEMO: 'off', OBE_INTERVAL_MINUTES: '1', OBE_GATE_CLOSURE_MINUTES: '0' }), pino({ level: process.env.OBE_TEST_LOG ? 'info' : 'silent' }));
    await gw.ready;
    const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    keys = Object.fromEntries(Object.entries(demo).map(([label, k]) => [label, k.key]));
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('register → commission → signed readings → orders → clearing → settlement → attestation → regulator verifies', async () => {
    const report = await runScenario({
      baseUrl: gw.url.replace(/\/$/, ''),
      keys: {
        gridOperator: keys['gridoperator-admin'],
        utilityAdmin: keys['utility-admin'],
        regulator: keys['regulator-admin'],
        seller: keys['prosumer-01'],
        buyer: keys['consumer-01'],
        outsider: keys['prosumer-02'],
      },
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
    });
    expect(report.volumeWh).toBe(1500);
    expect(report.clearingPrice).not.toBeNull();
    expect(report.steps).toHaveLength(10);
  }, 240_000);
});
