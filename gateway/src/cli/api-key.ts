import '../quiet-chaincode-logs';
import { loadConfig, readGatewayFile, writeFileAtomic, type GatewayConfig, type GatewayFile } from '../config';
import { defaultIdentities } from '../demo/identities';
import { newApiKey } from '../http/auth';
import { connectionConfigPath, loadConnectionConfig } from '../ledger/fabric/connection-config';

/**
 * The identity labels the gateway can act as: on Fabric, the connection config's identities (OBE_FABRIC_CONFIG); on
 * the embedded ledger, the config file's identities (the demo set when it names none).
 */
function knownIdentities(config: GatewayConfig, file: GatewayFile): { labels: Set<string>; source: string } {
  if (config.ledger === 'fabric') {
    const connection = loadConnectionConfig(connectionConfigPath(), config.dataDir);
    return { labels: new Set(connection.identities.map((i) => i.label)), source: `the Fabric connection config ${connection.file}` };
  }
  return { labels: new Set((file.identities ?? defaultIdentities()).map((i) => i.label)), source: `the identities of ${config.configFile}` };
}

/**
 * `tsx gateway/src/cli/api-key.ts add <identity-label>...` — issues API keys for ledger identities (e.g. the
 * identities of a Fabric connection config) into the gateway config file (OBE_CONFIG, default
 * <OBE_DATA_DIR>/gateway.json), which keeps only their hashes. Prints each key once, as JSON, to stdout.
 * `list` prints the stored key ids and identities; `revoke <key-id>` removes one.
 */
function main(argv: string[]): number {
  const [command, ...args] = argv;
  const config = loadConfig();
  const file: GatewayFile = readGatewayFile(config.configFile) ?? { apiKeys: [] };
  switch (command) {
    case 'add': {
      if (!args.length) break;
      const known = knownIdentities(config, file);
      const unknown = args.filter((label) => !known.labels.has(label));
      if (unknown.length) {
        process.stderr.write(
          `no ledger identity ${unknown.map((l) => `'${l}'`).join(', ')} in ${known.source}: a key for it could not act as anyone, so none was issued.\n` +
            'Onboard a new participant with POST /api/v1/admin/participants (an org admin\'s key; docs/api.md, Onboarding), or add the identity first.\n',
        );
        return 1;
      }
      const issued: Record<string, string> = {};
      for (const identity of args) {
        const { key, stored } = newApiKey(identity);
        file.apiKeys.push(stored);
        issued[identity] = key;
      }
      writeFileAtomic(config.configFile, `${JSON.stringify(file, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(issued, null, 2)}\n`);
      return 0;
    }
    case 'list':
      process.stdout.write(`${JSON.stringify(file.apiKeys.map(({ id, identity }) => ({ id, identity })), null, 2)}\n`);
      return 0;
    case 'revoke': {
      if (args.length !== 1) break;
      const before = file.apiKeys.length;
      file.apiKeys = file.apiKeys.filter((k) => k.id !== args[0]);
      if (file.apiKeys.length === before) {
        process.stderr.write(`no API key with id ${args[0]}\n`);
        return 1;
      }
      writeFileAtomic(config.configFile, `${JSON.stringify(file, null, 2)}\n`);
      return 0;
    }
  }
  process.stderr.write('usage: api-key add <identity-label>... | list | revoke <key-id>   (OBE_CONFIG or OBE_DATA_DIR select the file)\n');
  return 2;
}

process.exitCode = main(process.argv.slice(2));
