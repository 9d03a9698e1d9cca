/**
 * `npx tsx scripts/sign-reading.ts --key meter.pem --asset meter-1 --interval 2026-12-01T10:15:00Z --imported 1200 [--exported 0] [--sequence N]`
 * `npx tsx scripts/sign-reading.ts --new-key meter.pem` (writes a P-256 key pair: meter.pem and meter.pub.pem)
 *
 * Signs one meter reading as the device does (ECDSA P-256 / SHA-256 over the canonical JSON of {assetId,
 * intervalStart, importedWh, exportedWh, sequence}, DER, base64) and prints the JSON body for
 * POST /api/v1/metering/readings. The public key (meter.pub.pem) is the asset's `devicePublicKey` when registering it.
 */
import '../gateway/src/quiet-chaincode-logs';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { signReadings } from '../gateway/src/neighbourhood-sim/readings';

const USAGE = `usage: sign-reading --key <private.pem> --asset <assetId> --interval <ISO start or ms> --imported <Wh> [--exported <Wh>] [--sequence <n>]
       sign-reading --new-key <private.pem>`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    if (!name.startsWith('--') || argv[i + 1] === undefined) fail(`unexpected argument '${name}'`);
    out[name.slice(2)] = argv[i + 1];
  }
  return out;
}

function wh(value: string | undefined, name: string): number {
  const n = Number(value ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a whole number of Wh`);
  return n;
}

const args = parse(process.argv.slice(2));
if (args['new-key']) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = args['new-key'];
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(file.replace(/(\.pem)?$/, '.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  process.stdout.write(`wrote ${file} and ${file.replace(/(\.pem)?$/, '.pub.pem')}\n`);
  process.exit(0);
}
if (!args.key || !args.asset || !args.interval) fail('--key, --asset and --interval are required');
const intervalStart = /^\d+$/.test(args.interval) ? Number(args.interval) : Date.parse(args.interval);
if (!Number.isFinite(intervalStart)) fail(`--interval '${args.interval}' is neither an ISO time nor milliseconds`);
const key = crypto.createPrivateKey(fs.readFileSync(args.key, 'utf8'));
const reading = {
  assetId: args.asset,
  intervalStart,
  importedWh: wh(args.imported, 'imported'),
  exportedWh: wh(args.exported, 'exported'),
  sequence: args.sequence === undefined ? Math.floor(intervalStart / 1000) : wh(args.sequence, 'sequence'),
};
process.stdout.write(`${JSON.stringify(signReadings([reading], () => key), null, 2)}\n`);
