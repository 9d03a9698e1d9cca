/**
 * A test gateway (the gateway suites' harness: embedded ledger, governance, every test identity registered) in a
 * process of its own, listening on a loopback port. The adversarial suites send requests that hung the gateway's event
 * loop before the fix; in the jest worker itself such a request would hang the test run, here it only times out.
 * Prints one line of JSON ({port, keys}) once listening.
 */
import http from 'node:http';
import { startHarness } from '../../gateway/support/harness';

async function main(): Promise<void> {
  const h = await startHarness();
  const server = http.createServer(h.app);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ port, keys: h.keys })}\n`);
  });
  const stop = () => {
    server.closeAllConnections();
    server.close();
    void h.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
