/**
 * Submits or evaluates one transaction through the peer gateway as a labelled identity of a connection config;
 * prints the result to stdout. Handy to verify a network by hand, and used by the Fabric test suites (in a child
 * process: its stdout is the payload). Usage:
 *   tsx network/lib/fabric-call-cli.ts <connection.json> <identity label> <channel> <submit|evaluate> <Contract:fn>
 *       [JSON array of string arguments] [JSON object of transient values]
 * e.g. tsx network/lib/fabric-call-cli.ts network/native/generated/connection.json utility-user1 energy evaluate Governance:GetConfig
 */
import './quiet-chaincode-logs';
import { runCli } from './cli';
import { withConnection } from './fabric-client';

export async function main(argv: readonly string[]): Promise<number> {
  const [file, label, channel, mode, fn, argsJson = '[]', transientJson = '{}'] = argv;
  if (!file || !label || !channel || (mode !== 'submit' && mode !== 'evaluate') || !fn) {
    console.error('usage: fabric-call-cli.ts <connection.json> <label> <channel> <submit|evaluate> <Contract:fn> [args] [transient]');
    return 2;
  }
  const args = JSON.parse(argsJson) as unknown;
  const transient = JSON.parse(transientJson) as unknown;
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new Error('arguments must be a JSON array of strings');
  if (typeof transient !== 'object' || transient === null || !Object.values(transient).every((v) => typeof v === 'string')) {
    throw new Error('transient values must be a JSON object of strings');
  }
  const result = await withConnection(file, label, (gateway, config) => {
    const contract = gateway.getNetwork(channel).getContract(config.chaincode);
    const options = { arguments: args as string[], transientData: transient as Record<string, string> };
    return mode === 'submit' ? contract.submit(fn, options) : contract.evaluate(fn, options);
  });
  process.stdout.write(Buffer.from(result).toString('utf8'));
  return 0;
}

if (require.main === module) void runCli(main, process.argv.slice(2));
