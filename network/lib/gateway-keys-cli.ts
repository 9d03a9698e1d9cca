/**
 * Gives the gateway API keys for a real network's identities, so `OBE_LEDGER=fabric npm start` runs with no hand
 * editing. Usage (from the repository root, honouring OBE_DATA_DIR and OBE_CONFIG as the gateway does):
 *   tsx network/lib/gateway-keys-cli.ts <connection.json>
 * Creates the gateway config file with one key per identity of the connection config (stored hashed; the keys
 * themselves go to <data dir>/demo-api-keys.json, as on an embedded first start) — only when there is no config
 * file yet. An existing file is left as it is: the native network uses the same identity labels as the embedded
 * demo, so keys issued by an earlier embedded start keep working.
 */
import './quiet-chaincode-logs';
import fs from 'node:fs';
import { createGatewayFile, loadConfig } from '../../gateway/src';
import { connectionConfigSchema } from './connection-config';

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const [connectionFile] = argv;
  if (!connectionFile) {
    console.error('usage: gateway-keys-cli.ts <connection.json>');
    return 2;
  }
  const connection = connectionConfigSchema.parse(JSON.parse(fs.readFileSync(connectionFile, 'utf8')));
  const { configFile, dataDir } = loadConfig({ ...env, OBE_LEDGER: 'fabric' });
  if (fs.existsSync(configFile)) {
    console.error(`[obe-network] gateway config ${configFile} exists; its API keys are kept`);
    return 0;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const identities = connection.identities.map((i) => ({ label: i.label, mspId: i.mspId, admin: i.label.endsWith('-admin') }));
  const { demoKeysFile } = createGatewayFile(configFile, dataDir, identities);
  console.error(`[obe-network] gateway config ${configFile} created; API keys per identity in ${demoKeysFile}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
