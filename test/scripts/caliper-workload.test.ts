/**
 * The Caliper workload (scripts/caliper/workloads/submit-readings.js) against a stand-in SUT adapter: what it sends is
 * what OBE's chaincode takes — registration, commissioning and activation per meter under the roles' identities, then
 * batches whose every reading verifies with the chaincode's own verifier against its meter's registered key, each
 * (meter, interval) once, in the transient map only. And generate.ts writes a Caliper setup from a connection config.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { TX } from '@obe/chaincode';
import { devicePublicKey, verifyReadingSignature } from '../../chaincode/src/metering/signature';
import { readingBatchSchema } from '../../chaincode/src/metering/reading';
import { caliperSetup } from '../../scripts/caliper/generate';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createWorkloadModule } = require('../../scripts/caliper/workloads/submit-readings.js') as { createWorkloadModule: () => Workload };

interface Workload {
  initializeWorkloadModule(worker: number, workers: number, round: number, args: unknown, adapter: unknown, context: unknown): Promise<void>;
  submitTransaction(): Promise<unknown>;
  cleanupWorkloadModule(): Promise<void>;
}

interface SentRequest {
  contractId: string;
  channel: string;
  contractFunction: string;
  contractArguments: string[];
  invokerIdentity: string;
  invokerMspId?: string;
  readOnly: boolean;
  transientMap?: Record<string, Buffer>;
}

const fns = { register: TX.Registry.RegisterAsset.name, commission: TX.Registry.CommissionAsset.name, activate: TX.Registry.ActivateAsset.name, submitReadings: TX.Metering.SubmitReadings.name };

it('registers its meters under the right identities, then sends batches that the chaincode verifies, each reading once', async () => {
  const sent: SentRequest[] = [];
  const adapter = { sendRequests: async (request: SentRequest) => void sent.push(request) };
  const workload = createWorkloadModule();
  const mspIds = { 'utility-admin': 'UtilityMSP', 'gridoperator-admin': 'GridOperatorMSP' };
  const args = { channel: 'energy', contractId: 'obe', headEnd: 'utility-admin', operator: 'gridoperator-admin', mspIds, meters: 5, batchSize: 3, fns, settleMs: 0 };
  await workload.initializeWorkloadModule(0, 1, 0, args, adapter, {});
  // Meters are set up side by side; each one's own steps come in order under the right identities.
  const steps = new Map<string, string[][]>();
  for (const r of sent) {
    const { assetId } = JSON.parse(r.contractArguments[0]) as { assetId: string };
    steps.set(assetId, [...(steps.get(assetId) ?? []), [r.contractFunction, r.invokerIdentity]]);
    // Caliper would look every identity up in the first org of network.yaml without the MSP.
    expect(r.invokerMspId).toBe(mspIds[r.invokerIdentity as keyof typeof mspIds]);
  }
  expect(steps.size).toBe(5);
  for (const sequence of steps.values()) {
    expect(sequence).toEqual([
      [fns.register, 'utility-admin'],
      [fns.commission, 'gridoperator-admin'],
      [fns.activate, 'utility-admin'],
    ]);
  }
  const keys = new Map(sent.filter((r) => r.contractFunction === fns.register).map((r) => {
    const body = JSON.parse(r.contractArguments[0]) as { assetId: string; devicePublicKey: string };
    return [body.assetId, devicePublicKey(body.devicePublicKey)];
  }));
  sent.length = 0;
  for (let i = 0; i < 10; i++) await workload.submitTransaction();
  const seen = new Set<string>();
  for (const request of sent) {
    expect(request).toMatchObject({ contractFunction: fns.submitReadings, contractArguments: [], invokerIdentity: 'utility-admin', readOnly: false, channel: 'energy' });
    const batch = readingBatchSchema.parse(JSON.parse(request.transientMap!.readings.toString('utf8')));
    expect(batch.readings).toHaveLength(3);
    for (const reading of batch.readings) {
      expect(verifyReadingSignature(keys.get(reading.assetId)!, reading, reading.signature)).toBe(true);
      const id = `${reading.assetId}@${reading.intervalStart}`;
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  }
  expect(seen.size).toBe(30);
  await workload.cleanupWorkloadModule();
});

/** Caliper's Fabric connector reports failures as a TxStatus, it does not throw. */
const txStatus = (ok: boolean) => ({ GetStatus: () => (ok ? 'success' : 'failed'), GetErrMsg: () => (ok ? '' : "asset 'x' does not exist") });

it('retries a commissioning the endorsing peer refuses until it has the registration, and fails the round if it never does', async () => {
  const args = { channel: 'energy', contractId: 'obe', headEnd: 'utility-admin', operator: 'gridoperator-admin', meters: 1, batchSize: 1, fns, settleMs: 0 };
  let refusals = 2;
  const calls: string[] = [];
  const lagging = {
    sendRequests: async (request: SentRequest) => {
      calls.push(request.contractFunction);
      return txStatus(request.contractFunction !== fns.commission || refusals-- <= 0);
    },
  };
  await createWorkloadModule().initializeWorkloadModule(0, 1, 0, args, lagging, {});
  expect(calls).toEqual([fns.register, fns.commission, fns.commission, fns.commission, fns.activate]);

  const registrationRefused = { sendRequests: async (request: SentRequest) => txStatus(request.contractFunction !== fns.register) };
  await expect(createWorkloadModule().initializeWorkloadModule(0, 1, 0, args, registrationRefused, {})).rejects.toThrow(/setup .* failed/);
  const neverCommissioned = { sendRequests: async (request: SentRequest) => txStatus(request.contractFunction !== fns.commission) };
  await expect(createWorkloadModule().initializeWorkloadModule(0, 1, 0, args, neverCommissioned, {})).rejects.toThrow(/CommissionAsset|setup/);
}, 20_000);

it('generates a Caliper network config, per-org profiles and a benchmark config from a connection config', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-caliper-'));
  try {
    const msp = path.join(dir, 'msp');
    for (const sub of ['signcerts', 'keystore']) fs.mkdirSync(path.join(msp, sub), { recursive: true });
    fs.writeFileSync(path.join(msp, 'signcerts', 'cert.pem'), 'cert');
    fs.writeFileSync(path.join(msp, 'keystore', 'key_sk'), 'key');
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'ca');
    const config = {
      chaincode: 'obe',
      channels: ['energy', 'audit'],
      peers: { UtilityMSP: { endpoint: 'localhost:9051', tlsRootCertPath: path.join(dir, 'ca.crt'), hostOverride: 'peer0.utility.obe.local' } },
      identities: [{ label: 'utility-admin', mspId: 'UtilityMSP', mspPath: msp }],
    };
    const file = path.join(dir, 'connection.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const out = path.join(dir, 'generated');
    const files = caliperSetup(file, out, dir);
    const network = files[path.join(out, 'network.yaml')] as { channels: unknown; organizations: { mspid: string; identities: { certificates: { name: string }[] } }[] };
    expect(network.channels).toEqual([{ channelName: 'energy', contracts: [{ id: 'obe' }] }]);
    expect(network.organizations.map((o) => [o.mspid, o.identities.certificates.map((c) => c.name)])).toEqual([['UtilityMSP', ['utility-admin']]]);
    const profile = files[path.join(out, 'profile-UtilityMSP.json')] as { peers: Record<string, { url: string; tlsCACerts: { path: string } }> };
    expect(profile.peers['peer0.utility.obe.local']).toMatchObject({ url: 'grpcs://localhost:9051', tlsCACerts: { path: path.join(dir, 'ca.crt') } });
    const bench = files[path.join(out, 'benchmark.yaml')] as { test: { rounds: { workload: { arguments: { fns: unknown; batchSize: number; mspIds: unknown } } }[] } };
    expect(bench.test.rounds.map((r) => r.workload.arguments.batchSize)).toEqual([1, 100, 500]);
    expect(bench.test.rounds[0].workload.arguments.fns).toEqual(fns);
    expect(bench.test.rounds[0].workload.arguments).toMatchObject({ mspIds: { 'utility-admin': 'UtilityMSP' } });
    expect(() => yaml.dump(bench)).not.toThrow();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
