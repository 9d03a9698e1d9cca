/**
 * Initialises governance on both channels right after the chaincode is committed, as the grid operator's admin
 * (the chaincode lets only an admin of the MSP it names market operator do this, and only once). Usage:
 *   tsx network/lib/init-governance-cli.ts <native|test-network|test-network-ca> <connection.json>
 * A channel that is already configured is left as it is, so the step can be re-run.
 */
import './quiet-chaincode-logs';
import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { orgsOf } from './connection-config';
import { runCli } from './cli';
import { withConnection } from './fabric-client';
import { CHANNEL_MEMBERS, initialGovernance } from './governance';

const PSEUDONYM_KEY_TRANSIENT = 'pseudonymKey';

export async function main(argv: readonly string[]): Promise<number> {
  const [mode = '', connectionFile] = argv;
  const orgs = orgsOf(mode);
  if (!orgs || !connectionFile) {
    console.error('usage: init-governance-cli.ts <native|test-network|test-network-ca> <connection.json>');
    return 2;
  }
  await withConnection(connectionFile, 'gridoperator-admin', async (gateway, config) => {
    for (const channel of Object.keys(CHANNEL_MEMBERS)) {
      const contract = gateway.getNetwork(channel).getContract(config.chaincode);
      const existing = await contract.evaluateTransaction(TX.Governance.GetConfig.name).then(
        (bytes) => Buffer.from(bytes).toString('utf8'),
        () => undefined,
      );
      if (existing) {
        console.error(`[obe-network] governance on '${channel}' is already configured; left unchanged`);
        continue;
      }
      const governance = initialGovernance(channel, orgs);
      // The key that derives participant pseudonyms: random per channel, handed over privately (transient) and
      // kept by the chaincode in its secrets collection only; it is not written anywhere else.
      const pseudonymKey = randomBytes(32).toString('base64url');
      await contract.submit(TX.Governance.InitConfig.name, {
        arguments: [JSON.stringify(governance)],
        transientData: { [PSEUDONYM_KEY_TRANSIENT]: pseudonymKey },
      });
      console.error(`[obe-network] governance on '${channel}': ${JSON.stringify(governance.orgs)}`);
    }
  });
  return 0;
}

if (require.main === module) void runCli(main, process.argv.slice(2), '[obe-network] governance init failed: ');
