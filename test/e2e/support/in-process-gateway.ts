/**
 * The gateway `npm start` runs (gateway/src/bootstrap), started in-process on a fresh data dir under the OS temp dir
 * (embedded ledger). Suites import gateway/src/quiet-chaincode-logs before this module.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../../gateway/src/bootstrap';
import { loadConfig } from '../../../gateway/src/config';

/** A fresh `<tmp>/<prefix>XXXXXX/data` directory (not created yet: the gateway creates it on its first start). */
export function freshDataDir(tmpPrefix: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix)), 'data');
}

/** API keys by identity label, from the demo keys file the gateway writes on its first start. */
export function readDemoKeys(dataDir: string): Record<string, string> {
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
  return Object.fromEntries(Object.entries(demo).map(([label, k]) => [label, k.key]));
}

/** Starts the gateway (PORT=0, OBE_DEMO=off, plus `env`) on a fresh data dir and waits until it is ready. */
export async function startInProcessGateway(
  tmpPrefix: string,
  env: Record<string, string>,
  logLevel = 'silent',
): Promise<{ gw: RunningGateway; dataDir: string; keys: Record<string, string> }> {
  const dataDir = freshDataDir(tmpPrefix);
  const gw = await startGateway(loadConfig({ PORT: '0', OBE_DATA_DIR: dataDir, OBE_DEMO: 'off', ...env }), pino({ level: logLevel }));
  await gw.ready;
  return { gw, dataDir, keys: readDemoKeys(dataDir) };
}

/**
 * A gateway a suite stops and starts again on the same data dir: `start()` starts it (returning its base URL),
 * `current()` is the one last started; the suite's afterAll stops it.
 */
export function restartableGateway(
  tmpPrefix: string,
  env: Record<string, string>,
): { dataDir: string; start: () => Promise<string>; current: () => RunningGateway | undefined } {
  const dataDir = freshDataDir(tmpPrefix);
  const config = loadConfig({ PORT: '0', OBE_DATA_DIR: dataDir, OBE_DEMO: 'off', ...env });
  let gw: RunningGateway | undefined;
  afterAll(async () => {
    await gw?.stop();
  });
  return {
    dataDir,
    start: async () => {
      gw = await startGateway(config, pino({ level: 'silent' }));
      await gw.ready;
      return gw.url.replace(/\/$/, '');
    },
    current: () => gw,
  };
}
