/**
 * Writes collections/<channel>.json re-targeted at the fabric-samples test-network's MSP IDs. Usage:
 *   tsx network/lib/remap-collections-cli.ts <input.json> <output.json>
 */
import './quiet-chaincode-logs';
import fs from 'node:fs';
import { collectionsFileSchema, remapMspIds } from './collections';
import { NATIVE_ORGS, OBE_ORGS, TEST_NETWORK_ORGS } from './connection-config';

export const NATIVE_TO_TEST_NETWORK: Readonly<Record<string, string>> = Object.fromEntries(
  OBE_ORGS.map((org) => [NATIVE_ORGS[org].mspId, TEST_NETWORK_ORGS[org].mspId]),
);

export function main(argv: readonly string[]): number {
  const [input, output] = argv;
  if (!input || !output) {
    console.error('usage: remap-collections-cli.ts <input.json> <output.json>');
    return 2;
  }
  const parsed = collectionsFileSchema.safeParse(JSON.parse(fs.readFileSync(input, 'utf8')));
  if (!parsed.success) {
    console.error(`[obe-network] ${input}: ${parsed.error.message}`);
    return 1;
  }
  fs.writeFileSync(output, `${JSON.stringify(remapMspIds(parsed.data, NATIVE_TO_TEST_NETWORK), null, 2)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
