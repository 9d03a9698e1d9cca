/**
 * The end-to-end scenario of test/e2e (shared code: test/e2e/scenario.ts), over HTTP against a gateway started with
 * OBE_LEDGER=fabric on the native network, then the audit relay's attestation checked on the `audit` ledger itself.
 */
import crypto from 'node:crypto';
import { runScenario, scenarioKeys } from '../e2e/scenario';
import { fabricCall } from './support/fabric-call';
import { describeLive } from './support/live';
import { useLiveGateway } from './support/live-gateway';

import { TX } from '@obe/chaincode';
describeLive('end to end on the native Fabric network', () => {
  // The scenario clears and settles through the API itself (and checks the second clear is refused).
  const gateway = useLiveGateway('obe-fabric-e2e-', 'off');

  it('register → commission → readings → orders → clearing → settlement → attestation on audit → regulator verifies', async () => {
    const gw = gateway();
    const keys = gw.keys;
    const zone = `fabric-${crypto.randomBytes(3).toString('hex')}`;
    const report = await runScenario({
      baseUrl: gw.baseUrl,
      zone,
      keys: scenarioKeys(keys),
      attestationTimeoutMs: 120_000,
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
      onFailure: () => console.error(`gateway output:\n${gw.output().slice(-4000)}`),
    });
    expect(report.volumeWh).toBe(1500);
    expect(report.clearingPrice).not.toBeNull();

    // SettlementCompleted on `energy` was relayed: the attestation is on the `audit` ledger, readable by the
    // regulator's own identity straight from its peer, with the Merkle root the scenario verified against.
    const attestations = JSON.parse(
      fabricCall({ label: 'regulator-user1', channel: 'audit', mode: 'evaluate', fn: TX.Audit.ListAttestations.name, args: [JSON.stringify({ sourceChannel: 'energy' })] }),
    ) as { zone: string; merkleRoot: string }[];
    expect(attestations.filter((a) => a.zone === zone).map((a) => a.merkleRoot)).toContain(report.merkleRoot);
    // A network started by `npm run network:up` keeps the chaincode's 15-minute intervals (test:fabric starts its own
    // with 1-minute ones): the scenario then waits up to a whole interval for gate closure and another for delivery to
    // end, so the limit allows for two 15-minute intervals plus the work; with 1-minute intervals it takes ~1.5 min.
  }, 45 * 60_000);
});
