import '../../gateway/src/quiet-chaincode-logs';
import { type RunningGateway } from '../../gateway/src/bootstrap';
import { runScenario, scenarioKeys } from './scenario';
import { startInProcessGateway } from './support/in-process-gateway';

/**
 * The whole path over HTTP against the gateway `npm start` runs (same bootstrap: first-start identities and keys,
 * governance, audit relay), here in-process on a fresh embedded ledger. Intervals are one minute long (set through
 * the first governance configuration), so the test waits for a real gate closure and a real delivery.
 */
describe('end to end on the embedded ledger', () => {
  let gw: RunningGateway;
  let keys: Record<string, string>;
  beforeAll(async () => {
    const env = { OBE_INTERVAL_MINUTES: '1', OBE_GATE_CLOSURE_MINUTES: '0' };
    ({ gw, keys } = await startInProcessGateway('obe-e2e-', env, process.env.OBE_TEST_LOG ? 'info' : 'silent'));
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('register → commission → signed readings → orders → clearing → settlement → attestation → regulator verifies', async () => {
    const report = await runScenario({
      baseUrl: gw.url.replace(/\/$/, ''),
      keys: scenarioKeys(keys),
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
    });
    expect(report.volumeWh).toBe(1500);
    expect(report.clearingPrice).not.toBeNull();
    expect(report.steps).toHaveLength(10);
  }, 240_000);
});
