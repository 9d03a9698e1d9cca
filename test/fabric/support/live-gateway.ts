/**
 * A gateway process with OBE_LEDGER=fabric on the native network, for the suites that drive it over HTTP: API keys
 * for the network's identities, as an operator would configure them (embedded mode does this itself), then the
 * gateway started before the suite and stopped (exit code 0 expected) and its data directory removed after it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGatewayFile } from '../../../gateway/src/setup';
import { connectionConfigSchema } from '../../../network/lib/connection-config';
import { startGateway, type GatewayProcess } from '../../e2e/support/gateway-process';
import { CONNECTION_FILE } from './live';

/**
 * Registers the suite's beforeAll/afterAll; the returned function gives the running gateway (inside tests only).
 * `extraEnv` is read in beforeAll (the network's files exist only then) and added to the gateway's environment.
 */
export function useLiveGateway(tmpPrefix: string, operatorAgent: 'on' | 'off', extraEnv: () => Record<string, string> = () => ({})): () => GatewayProcess {
  let gw: GatewayProcess | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    const connection = connectionConfigSchema.parse(JSON.parse(fs.readFileSync(CONNECTION_FILE, 'utf8')));
    const identities = connection.identities.map((i) => ({ label: i.label, mspId: i.mspId, admin: i.label.endsWith('-admin') }));
    createGatewayFile(path.join(dataDir, 'gateway.json'), dataDir, identities);
    gw = await startGateway(dataDir, {
      OBE_LEDGER: 'fabric',
      OBE_FABRIC_CONFIG: CONNECTION_FILE,
      OBE_CONFIG: path.join(dataDir, 'gateway.json'),
      OBE_OPERATOR_AGENT: operatorAgent,
      ...extraEnv(),
    });
  }, 120_000);

  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  return () => gw!;
}
