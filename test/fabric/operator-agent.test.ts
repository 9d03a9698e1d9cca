/**
 * The market operator agent on the native Fabric network: the end-to-end scenario (test/e2e/scenario.ts) against a
 * gateway with OBE_OPERATOR_AGENT=on, in its agent mode — the test never calls /clear or /settle; the interval is
 * cleared after gate closure and settled once the readings are in by the gateway's agent, and the audit relay
 * attests the settlement on the `audit` ledger.
 */
import crypto from 'node:crypto';
import { TX } from '@obe/chaincode';
import { runScenario, scenarioKeys } from '../e2e/scenario';
import { fabricCall } from './support/fabric-call';
import { describeLive } from './support/live';
import { useLiveGateway } from './support/live-gateway';

describeLive('market operator agent on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-agent-', 'on');

  it('clears and settles an interval with no clear or settle call from the test; the relay attests it', async () => {
    const gw = gateway();
    const keys = gw.keys;
    const zone = `agent-${crypto.randomBytes(3).toString('hex')}`;
    const report = await runScenario({
      baseUrl: gw.baseUrl,
      zone,
      keys: scenarioKeys(keys),
      operatorAgent: true,
      agentTimeoutMs: 5 * 60_000,
      attestationTimeoutMs: 120_000,
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
      onFailure: () => console.error(`gateway output:\n${gw.output().slice(-4000)}`),
    });
    expect(report.volumeWh).toBe(1500);
    // The agent's certificate duty issued the seller's PV certificate of the interval (before settling it).
    const certificates = (await (await fetch(`${gw.baseUrl}/api/v1/certificates/zones/${report.zone}/intervals/${encodeURIComponent(report.interval)}`, { headers: { Authorization: `Bearer ${keys['regulator-admin']}` } })).json()) as { assetId: string }[];
    expect(certificates.map((c) => c.assetId)).toEqual([`${report.zone}-pv-s`]);

    const attestations = JSON.parse(
      fabricCall({ label: 'regulator-user1', channel: 'audit', mode: 'evaluate', fn: TX.Audit.ListAttestations.name, args: [JSON.stringify({ sourceChannel: 'energy' })] }),
    ) as { zone: string; merkleRoot: string }[];
    expect(attestations.filter((a) => a.zone === zone).map((a) => a.merkleRoot)).toContain(report.merkleRoot);

    const status = await fetch(`${gw.baseUrl}/api/v1/operator/status`, { headers: { Authorization: `Bearer ${keys['regulator-admin']}` } });
    const body = (await status.json()) as { state: string; totals: { cleared: number; settled: number; failures: number } };
    expect(body.state).toBe('running');
    expect(body.totals.cleared).toBeGreaterThanOrEqual(1);
    expect(body.totals.settled).toBeGreaterThanOrEqual(1);
  }, 45 * 60_000);
});
