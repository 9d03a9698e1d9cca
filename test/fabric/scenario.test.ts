/**
 * The end-to-end scenario of test/e2e (shared code: test/e2e/scenario.ts), over HTTP against a gateway started with
 * OBE_LEDGER=fabric on the native network, then the audit relay's attestation checked on the `audit` ledger itself.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGatewayFile } from '../../gateway/src/setup';
import { connectionConfigSchema } from '../../network/lib/connection-config';
import { runScenario } from '../e2e/scenario';
import { startGateway, type GatewayProcess } from '../e2e/support/gateway-process';
import { fabricCall } from './support/fabric-call';
import { CONNECTION_FILE, describeLive } from './support/live';

import { TX } from '@obe/chaincode';
describeLive('end to end on the native Fabric network', () => {
  let gw: GatewayProcess | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-fabric-e2e-'));
    // API keys for the network's identities, as an operator would configure them (embedded mode does this itself).
    const connection = connectionConfigSchema.parse(JSON.parse(fs.readFileSync(CONNECTION_FILE, 'utf8')));
    const identities = connection.identities.map((i) => ({ label: i.label, mspId: i.mspId, admin: i.label.endsWith('-admin') }));
    createGatewayFile(path.join(dataDir, 'gateway.json'), dataDir, identities);
    gw = await startGateway(dataDir, {
      OBE_LEDGER: 'fabric',
      OBE_FABRIC_CONFIG: CONNECTION_FILE,
      OBE_CONFIG: path.join(dataDir, 'gateway.json'),
      // The scenario clears and settles through the API itself (and checks the second clear is refused).
      OBE_OPERATOR_AGENT: 'off',
    });
  }, 120_000);

  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('register → commission → readings → orders → clearing → settlement → attestation on audit → regulator verifies', async () => {
    const keys = gw!.keys;
    const zone = `fabric-${crypto.randomBytes(3).toString('hex')}`;
    const report = await runScenario({
      baseUrl: gw!.baseUrl,
      zone,
      keys: {
        gridOperator: keys['gridoperator-admin']!,
        utilityAdmin: keys['utility-admin']!,
        regulator: keys['regulator-admin']!,
        seller: keys['prosumer-01']!,
        buyer: keys['consumer-01']!,
        outsider: keys['prosumer-02']!,
      },
      attestationTimeoutMs: 120_000,
      log: process.env.OBE_TEST_LOG ? (m) => console.log(m) : undefined,
      onFailure: () => console.error(`gateway output:\n${gw!.output().slice(-4000)}`),
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
