import './quiet-chaincode-logs';
import { startGateway } from './bootstrap';
import { loadConfig } from './config';

/** `npm start`: the gateway on OBE_LEDGER (default embedded), until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const running = await startGateway(config);
  running.ready.then(
    () => {
      if (process.stdout.isTTY) {
        process.stdout.write(
          `\nOBE gateway ready\n  dashboard  ${running.url}\n  API docs   ${running.url}docs/\n  API keys   ${running.demoKeysFile ?? config.configFile}\n\n`,
        );
      }
    },
    () => undefined,
  );
  const shutdown = () => {
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
