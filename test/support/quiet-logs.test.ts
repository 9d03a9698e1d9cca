/** The jest setup (test/support/quiet-logs.ts) keeps library logs out of a test run unless OBE_TEST_LOG asks for them. */
import { loadConfig } from '../../gateway/src/config';

const quietRun = !process.env.OBE_TEST_LOG;

(quietRun ? describe : describe.skip)('a quiet test run', () => {
  it('loads decorated contracts without fabric-contract-api logging each decorator', () => {
    // winston writes through console.log, or straight to stdout where the console has a stream of its own.
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const stdout = jest.spyOn(process.stdout, 'write');
    try {
      jest.isolateModules(() => {
        // A fresh copy of the libraries, as a test file that loads the chaincode gets one.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const api = require('fabric-contract-api') as typeof import('fabric-contract-api');
        class Probe extends api.Contract {
          async Ping(): Promise<string> {
            return 'pong';
          }
        }
        api.Transaction(false)(Probe.prototype, 'Ping');
        api.Returns('string')(Probe.prototype, 'Ping');
      });
      expect(log).not.toHaveBeenCalled();
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
      stdout.mockRestore();
    }
  });

  it('builds a gateway from the environment with its request log off', () => {
    expect(loadConfig().logLevel).toBe('silent');
  });
});
