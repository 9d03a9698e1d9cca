/**
 * Writes a Hyperledger Caliper setup for OBE from the native network's connection config (or any OBE connection
 * config of yours): `npx tsx scripts/caliper/generate.ts [connection.json] [outDir]`, default
 * network/native/generated/connection.json → scripts/caliper/generated/. It writes
 *  - network.yaml: Caliper's Fabric network configuration (v2.0.0): the channel, the chaincode, each org with the
 *    identities of the connection config and a connection profile pointing at its peer;
 *  - profile-<org>.json: one connection profile per org (peer URL, TLS CA, host override);
 *  - benchmark.yaml: rounds of workloads/submit-readings.js at 1, 100 and 500 readings per transaction with 32
 *    transactions in flight, the transaction names taken from OBE's catalogue.
 * Then: `npx caliper launch manager --caliper-workspace . --caliper-networkconfig scripts/caliper/generated/network.yaml
 * --caliper-benchconfig scripts/caliper/generated/benchmark.yaml --caliper-flow-skip-install` (see docs/performance.md).
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { TX } from '../../chaincode/src/catalogue';
import { connectionConfigSchema } from '../../network/lib/connection-config';

const HEAD_END = 'utility-admin';
const OPERATOR = 'gridoperator-admin';

function onlyFile(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  if (files.length !== 1) throw new Error(`expected one file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]!);
}

export function caliperSetup(configFile: string, outDir: string, workspace: string): Record<string, unknown> {
  const config = connectionConfigSchema.parse(JSON.parse(fs.readFileSync(configFile, 'utf8')));
  const base = path.dirname(path.resolve(configFile));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  const rel = (p: string) => path.relative(workspace, p);
  const files: Record<string, unknown> = {};
  const organizations = Object.entries(config.peers).map(([mspId, peer]) => {
    const host = peer.hostOverride ?? peer.endpoint.split(':')[0]!;
    const profile = {
      name: `obe-${mspId}`,
      version: '1.0.0',
      client: { organization: mspId },
      organizations: { [mspId]: { mspid: mspId, peers: [host] } },
      peers: {
        [host]: {
          url: `grpcs://${peer.endpoint}`,
          tlsCACerts: { path: abs(peer.tlsRootCertPath) },
          grpcOptions: { 'ssl-target-name-override': host, hostnameOverride: host },
        },
      },
    };
    const profileFile = path.join(outDir, `profile-${mspId}.json`);
    files[profileFile] = profile;
    const identities = config.identities.filter((i) => i.mspId === mspId);
    return {
      mspid: mspId,
      identities: {
        certificates: identities.map((i) => ({
          name: i.label,
          clientPrivateKey: { path: onlyFile(path.join(abs(i.mspPath), 'keystore')) },
          clientSignedCert: { path: onlyFile(path.join(abs(i.mspPath), 'signcerts')) },
        })),
      },
      connectionProfile: { path: rel(profileFile), discover: true },
    };
  });
  const chaincode = config.chaincode ?? 'obe';
  files[path.join(outDir, 'network.yaml')] = {
    name: 'OBE native network',
    version: '2.0.0',
    caliper: { blockchain: 'fabric', sutOptions: { mutualTls: false } },
    channels: [{ channelName: 'energy', contracts: [{ id: chaincode }] }],
    organizations: organizations.filter((o) => o.identities.certificates.length > 0),
  };
  const fns = {
    register: TX.Registry.RegisterAsset.name,
    commission: TX.Registry.CommissionAsset.name,
    activate: TX.Registry.ActivateAsset.name,
    submitReadings: TX.Metering.SubmitReadings.name,
  };
  // Caliper finds an identity in the first organization of network.yaml unless the request names its MSP.
  const mspIds = Object.fromEntries([HEAD_END, OPERATOR].flatMap((label) => config.identities.filter((i) => i.label === label).map((i) => [label, i.mspId])));
  const round = (batchSize: number, txNumber: number) => ({
    label: `submit-readings-batch-${batchSize}`,
    description: `Metering SubmitReadings with ${batchSize} device-signed reading(s) per transaction, 32 in flight`,
    txNumber,
    rateControl: { type: 'fixed-load', opts: { transactionLoad: 32 } },
    workload: {
      module: rel(path.join(__dirname, 'workloads', 'submit-readings.js')),
      arguments: { channel: 'energy', contractId: chaincode, headEnd: HEAD_END, operator: OPERATOR, mspIds, meters: Math.max(20, batchSize), batchSize, fns },
    },
  });
  files[path.join(outDir, 'benchmark.yaml')] = {
    test: {
      name: 'obe-metering',
      description: 'OBE signed-reading ingestion (scripts/caliper)',
      workers: { number: 2 },
      rounds: [round(1, 400), round(100, 64), round(500, 32)],
    },
  };
  return files;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '../..');
  const configFile = path.resolve(process.argv[2] ?? path.join(root, 'network/native/generated/connection.json'));
  const outDir = path.resolve(process.argv[3] ?? path.join(__dirname, 'generated'));
  fs.mkdirSync(outDir, { recursive: true });
  for (const [file, content] of Object.entries(caliperSetup(configFile, outDir, root))) {
    fs.writeFileSync(file, file.endsWith('.json') ? `${JSON.stringify(content, null, 2)}\n` : yaml.dump(content, { lineWidth: 160 }));
    process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
  }
}
