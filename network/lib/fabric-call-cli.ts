/**
 * Submits or evaluates one transaction through the peer gateway as a labelled identity of a connection config;
 * prints the result to stdout. Handy to verify a network by hand, and used by the Fabric test suites (jest cannot
 * load fabric-gateway's ES-module signer, so they call this in a child process). Usage:
 *   tsx network/lib/fabric-call-cli.ts <connection.json> <identity label> <channel> <submit|evaluate> <Contract:fn>
 *       [JSON array of string arguments] [JSON object of transient values]
 * e.g. tsx network/lib/fabric-call-cli.ts network/native/generated/connection.json utility-user1 energy evaluate Governance:GetConfig
 */
import { connectDirect, readConnectionConfig } from './fabric-client';

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
  const connection = connectDirect(readConnectionConfig(file), label);
  try {
    const contract = connection.gateway.getNetwork(channel).getContract('obe');
    const options = { arguments: args as string[], transientData: transient as Record<string, string> };
    const result = mode === 'submit' ? await contract.submit(fn, options) : await contract.evaluate(fn, options);
    process.stdout.write(Buffer.from(result).toString('utf8'));
  } finally {
    connection.close();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error((err as Error).message);
      for (const d of (err as { details?: { message?: string }[] }).details ?? []) console.error(`  ${d.message ?? ''}`);
      process.exitCode = 1;
    },
  );
}
