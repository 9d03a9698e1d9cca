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
import { connectDirect, readConnectionConfig, withConnection } from './fabric-client';
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
  await untilEveryPeerHasGovernance(connectionFile);
  return 0;
}

const PEER_CATCH_UP_MS = 120_000;

/**
 * The submit above waits for the grid operator's peer only. A peer that has just joined a channel may still be in its
 * delivery client's reconnect backoff and commit the block seconds later; a gateway started on "network is up" would
 * then be told by that org's peer that governance is missing. So the step ends only when every member org's peer
 * answers GetConfig on every channel.
 */
async function untilEveryPeerHasGovernance(connectionFile: string): Promise<void> {
  const config = readConnectionConfig(connectionFile);
  const deadline = Date.now() + PEER_CATCH_UP_MS;
  for (const [channel, members] of Object.entries(CHANNEL_MEMBERS)) {
    for (const org of members) {
      const label = `${org}-admin`;
      if (!config.identities.some((identity) => identity.label === label)) continue;
      const connection = connectDirect(config, label);
      try {
        const contract = connection.gateway.getNetwork(channel).getContract(config.chaincode);
        for (;;) {
          const answered = await contract.evaluateTransaction(TX.Governance.GetConfig.name).then(
            () => true,
            () => false,
          );
          if (answered) break;
          if (Date.now() > deadline) throw new Error(`the ${org} peer has not committed governance on '${channel}' after ${PEER_CATCH_UP_MS / 1000} s`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      } finally {
        connection.close();
      }
    }
  }
}

if (require.main === module) void runCli(main, process.argv.slice(2), '[obe-network] governance init failed: ');
