/**
 * Checks collections/<channel>.json before a deployment. Usage:
 *   tsx network/lib/check-collections-cli.ts <file> <energy|audit> [native|test-network|test-network-ca]
 * Exits 1 with every problem listed; warnings are printed and do not fail.
 */
import './quiet-chaincode-logs';
import fs from 'node:fs';
import { checkCollections } from './collections';
import { orgsOf, type ObeOrg } from './connection-config';

const CHANNEL_ORGS: Record<string, readonly ObeOrg[]> = {
  energy: ['gridoperator', 'utility', 'regulator'],
  audit: ['gridoperator', 'regulator'],
};

export function main(argv: readonly string[]): number {
  const [file, channel, mode = 'native'] = argv;
  const orgs = channel ? CHANNEL_ORGS[channel] : undefined;
  const layout = orgsOf(mode);
  if (!file || !orgs || !layout) {
    console.error('usage: check-collections-cli.ts <file> <energy|audit> [native|test-network|test-network-ca]');
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`[obe-network] cannot read ${file}: ${(err as Error).message}`);
    return 1;
  }
  // Both channels' chaincode policies need two orgs (energy: any two of three; audit: both members).
  const report = checkCollections(input, orgs.map((o) => layout[o].mspId), { minMemberOrgs: 2 });
  for (const w of report.warnings) console.error(`[obe-network] warning: ${file}: ${w}`);
  for (const p of report.problems) console.error(`[obe-network] ERROR: ${file}: ${p}`);
  return report.problems.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
