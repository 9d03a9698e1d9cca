/**
 * `npx tsx scripts/verify-certificate.ts certificate.json --key <exporter public key PEM file> [--root <attested root hex>]`
 *
 * Verifies a granular certificate document exported by GET /api/v1/certificates/zones/{zone}/intervals/{interval}/
 * lots/{lotId}/export, offline: the Ed25519 signature against the pinned key (without --key nothing is verified: anyone
 * can sign a document of their own making), every lineage event's
 * body against its Merkle leaf, every proof against the root (--root: the attested root obtained from the regulator or
 * the audit channel; otherwise the attestation the document carries), the lineage from issuance to the lot, and the
 * certificate fields against the issuance. Prints the checks as JSON; exit 0 when verified, 1 when not, 2 on bad usage.
 */
import fs from 'node:fs';
import { verifyGcDocument, type GcDocument } from '../chaincode/src/certificates/export';

const USAGE = 'usage: verify-certificate <certificate.json> --key <public.pem> [--root <hex>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

export function main(argv: readonly string[]): number {
  const [file, ...rest] = argv;
  if (!file || file.startsWith('--')) fail('the document file is required');
  const options: { root?: string; publicKeyPem?: string } = {};
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) fail(`${rest[i]} needs a value`);
    if (rest[i] === '--root') {
      if (!/^[0-9a-f]{64}$/.test(value)) fail('--root must be 64 lower-case hex digits');
      options.root = value;
    } else if (rest[i] === '--key') options.publicKeyPem = fs.readFileSync(value, 'utf8');
    else fail(`unexpected argument '${rest[i]}'`);
  }
  let doc: GcDocument;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as GcDocument;
  } catch (err) {
    fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  const result = verifyGcDocument(doc, options);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.verified ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
