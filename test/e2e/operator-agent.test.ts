import '../../gateway/src/quiet-chaincode-logs';
import { type RunningGateway } from '../../gateway/src/bootstrap';
import { runScenario, scenarioKeys } from './scenario';
import { startInProcessGateway } from './support/in-process-gateway';

/**
 * The end-to-end scenario in its operator-agent mode against the gateway `npm start` runs, with OBE_OPERATOR_AGENT=on
 * and 1-minute intervals: the test never calls /clear or /settle; the gateway's agent clears after gate closure and
 * settles once the signed readings are in, and the relay attests. The embedded twin of test/fabric/operator-agent.
 */
describe('end to end with the market operator agent (embedded)', () => {
  let gw: RunningGateway;
  let keys: Record<string, string>;
  beforeAll(async () => {
    const env = { OBE_OPERATOR_AGENT: 'on', OBE_INTERVAL_MINUTES: '1', OBE_GATE_CLOSURE_MINUTES: '0' };
    ({ gw, keys } = await startInProcessGateway('obe-e2e-agent-', env, process.env.OBE_TEST_LOG ? 'info' : 'silent'));
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('orders → the agent clears → signed readings → the agent settles → attestation → regulator verifies', async () => {
    const report = await runScenario({
      baseUrl: gw.url.replace(/\/$/, ''),
      keys: scenarioKeys(keys),
      operatorAgent: true,
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
    });
    expect(report.volumeWh).toBe(1500);
    // The agent's certificate duty issued the seller's PV certificate of the interval (before settling it).
    const certificates = (await (await fetch(`${gw.url.replace(/\/$/, '')}/api/v1/certificates/zones/${report.zone}/intervals/${encodeURIComponent(report.interval)}`, { headers: { Authorization: `Bearer ${keys['regulator-admin']}` } })).json()) as { assetId: string }[];
    expect(certificates.map((c) => c.assetId)).toEqual([`${report.zone}-pv-s`]);
    expect(gw.gateway.operatorAgent?.status().totals).toMatchObject({ cleared: 1, settled: 1, failures: 0 });
  }, 300_000);
});
