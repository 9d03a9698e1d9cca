import fs from 'node:fs';
import path from 'node:path';
import { readGatewayFile, writeFileAtomic, type ConfiguredIdentity, type GatewayFile } from './config';
import { newApiKey } from './http/auth';

/**
 * First start of an embedded gateway: one API key per identity. The config file keeps only the keys' hashes; the
 * keys themselves are written once to demo-api-keys.json, for the demo only (delete it, or set OBE_CONFIG to your
 * own file, for anything else).
 */
export function createGatewayFile(configFile: string, dataDir: string, identities: ConfiguredIdentity[]): { file: GatewayFile; demoKeysFile: string } {
  const keys: Record<string, { key: string; identity: string; mspId: string }> = {};
  const file: GatewayFile = { apiKeys: [], identities, relayIdentity: 'gridoperator-admin' };
  for (const identity of identities) {
    const { key, stored } = newApiKey(identity.label);
    file.apiKeys.push(stored);
    keys[identity.label] = { key, identity: identity.label, mspId: identity.mspId };
  }
  const demoKeysFile = path.join(dataDir, 'demo-api-keys.json');
  writeFileAtomic(demoKeysFile, `${JSON.stringify(keys, null, 2)}\n`);
  writeFileAtomic(configFile, `${JSON.stringify(file, null, 2)}\n`);
  return { file, demoKeysFile };
}

/** The config file, created with demo keys on an embedded first start. */
export function loadOrCreateGatewayFile(
  configFile: string,
  dataDir: string,
  embedded: boolean,
  identities: () => ConfiguredIdentity[],
): { file: GatewayFile; demoKeysFile?: string; created: boolean } {
  const existing = readGatewayFile(configFile);
  if (existing) {
    const demoKeysFile = path.join(dataDir, 'demo-api-keys.json');
    return { file: existing, demoKeysFile: fs.existsSync(demoKeysFile) ? demoKeysFile : undefined, created: false };
  }
  if (!embedded) {
    throw new Error(`no gateway config file at ${configFile}; create one with apiKeys (see docs/api.md, Authentication) or set OBE_CONFIG`);
  }
  return { ...createGatewayFile(configFile, dataDir, identities()), created: true };
}
