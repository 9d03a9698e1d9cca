/**
 * Writes the gateway's connection config. Usage:
 *   tsx network/lib/write-connection-cli.ts native <crypto dir> <output file>
 *   tsx network/lib/write-connection-cli.ts test-network|test-network-ca <fabric-samples>/test-network/organizations <output file>
 * The crypto dir is the directory that holds peerOrganizations/.
 */
import './quiet-chaincode-logs';
import path from 'node:path';
import { buildConnectionConfig, ConnectionConfigError, orgsOf, writeConnectionConfig } from './connection-config';

export function main(argv: readonly string[]): number {
  const [mode = '', cryptoDir, output] = argv;
  const orgs = orgsOf(mode);
  if (!orgs || !cryptoDir || !output) {
    console.error('usage: write-connection-cli.ts <native|test-network|test-network-ca> <crypto dir> <output file>');
    return 2;
  }
  try {
    const config = buildConnectionConfig({ cryptoDir: path.resolve(cryptoDir), orgs });
    writeConnectionConfig(config, path.resolve(output));
  } catch (err) {
    if (err instanceof ConnectionConfigError) {
      console.error(`[obe-network] ${err.message}`);
      return 1;
    }
    throw err;
  }
  console.error(`[obe-network] wrote ${path.resolve(output)}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
