/**
 * A test gateway (the gateway suites' harness: embedded ledger, governance, every test identity registered) in a
 * process of its own, listening on a loopback port. The adversarial suites send requests that hung the gateway's event
 * loop before the fix; in the jest worker itself such a request would hang the test run, here it only times out.
 * Prints one line of JSON ({port, keys}) once listening.
 */
import http from 'node:http';
import { startHarness } from '../../gateway/support/harness';

/** The gateway's own server (JSON 431s, timeouts) where it exists; a plain one on gateways from before it. */
function serverFor(app: http.RequestListener): http.Server {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHttpServer } = require('../../../gateway/src/http/server') as { createHttpServer?: (a: http.RequestListener) => http.Server };
    if (createHttpServer) return createHttpServer(app);
  } catch {
    // an older gateway: no server module
  }
  return http.createServer(app);
}

async function main(): Promise<void> {
  // OBE_CHILD_LIMITS: JSON of GatewayLimits fields for this gateway (e.g. {"rateLimit":false} for the fuzz run).
  const h = await startHarness(process.env.OBE_CHILD_LIMITS ? { limits: JSON.parse(process.env.OBE_CHILD_LIMITS) as Record<string, unknown> } : {});
  const server = serverFor(h.app);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ port, keys: h.keys, pseudonyms: h.pseudonyms })}\n`);
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
