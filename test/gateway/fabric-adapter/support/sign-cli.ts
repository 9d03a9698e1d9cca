/**
 * Run by signing.test.ts with tsx, outside jest: loads an identity from an MSP folder exactly as the adapter does and
 * signs the SHA-256 digest of a message with the real fabric-gateway signer. Prints JSON.
 * Usage: tsx sign-cli.ts <label> <mspId> <mspPath> <message>
 */
import { loadMspIdentity } from '../../../../gateway/src/ledger/fabric/msp-identity';

async function main(): Promise<void> {
  const [label, mspId, mspPath, message] = process.argv.slice(2);
  const identity = loadMspIdentity({ label: label!, mspId: mspId!, mspPath: mspPath! });
  const digest = identity.hash(Buffer.from(message!));
  const signature = await identity.signer(digest);
  process.stdout.write(
    JSON.stringify({
      mspId: identity.identity.mspId,
      certificate: Buffer.from(identity.identity.credentials).toString('utf8'),
      signature: Buffer.from(signature).toString('hex'),
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
