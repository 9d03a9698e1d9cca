import '../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../gateway/src/bootstrap';
import { loadConfig } from '../../gateway/src/config';
import { runScenario } from './scenario';

/**
 * The end-to-end scenario in its operator-agent mode against the gateway `npm start` runs, with OBE_OPERATOR_AGENT=on
 * and 1-minute intervals: the test never calls /clear or /settle; the gateway's agent clears after gate closure and
 * settles once the signed readings are in, and the relay attests. The embedded twin of test/fabric/operator-agent.
 */
describe('end to end with the market operator agent (embedded)', () => {
  let gw: RunningGateway;
  let keys: Record<string, string>;
  beforeAll(async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'obe-e2e-agent-')), 'data');
    const env = { PORT: '0', OBE_DATA_DIR: dataDir, OBE_DEMO: 'off', OBE_OPERATOR_AGENT: 'on', OBE_INTERVAL_MINUTES: '1', OBE_GATE_CLOSURE_MINUTES: '0' };
    gw = await startGateway(loadConfig(env), pino({ level: process.env.OBE_TEST_LOG ? 'info' : 'silent' }));
    await gw.ready;
    const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    keys = Object.fromEntries(Object.entries(demo).map(([label, k]) => [label, k.key]));
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('orders → the agent clears → signed readings → the agent settles → attestation → regulator verifies', async () => {
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
      operatorAgent: true,
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
    });
    expect(report.volumeWh).toBe(1500);
    expect(gw.gateway.operatorAgent?.status().totals).toMatchObject({ cleared: 1, settled: 1, failures: 0 });
  }, 300_000);
});
