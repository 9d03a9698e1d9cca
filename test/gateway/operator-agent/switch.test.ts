import '../../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../../gateway/src/bootstrap';
import { loadConfig } from '../../../gateway/src/config';
import { enrol } from '../../../gateway/src/demo/seed';

/** OBE_OPERATOR_AGENT and GET /api/v1/operator/status on a gateway started as `npm start` starts it (no demo). */
async function start(env: Record<string, string>): Promise<{ gw: RunningGateway; keys: Record<string, string> }> {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'obe-agent-switch-')), 'data');
  const gw = await startGateway(loadConfig({ PORT: '0', OBE_DATA_DIR: dataDir, OBE_DEMO: 'off', ...env }), pino({ level: 'silent' }));
  await gw.ready;
  const ledger = gw.gateway.ledger();
  await enrol(ledger, 'gridoperator-admin', 'gridoperator-admin', ['MARKET_OPERATOR', 'DSO']);
  await enrol(ledger, 'regulator-admin', 'regulator-admin', ['REGULATOR']);
  await enrol(ledger, 'consumer-01', 'utility-admin', ['CONSUMER']);
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
  return { gw, keys: Object.fromEntries(Object.entries(demo).map(([label, k]) => [label, k.key])) };
}

const status = (gw: RunningGateway, key: string) => fetch(`${gw.url}api/v1/operator/status`, { headers: { Authorization: `Bearer ${key}` } });

describe('switching the market operator agent', () => {
  it('reads OBE_OPERATOR_AGENT (unset: the gateway decides)', () => {
    expect(loadConfig({ OBE_OPERATOR_AGENT: 'off' }).operatorAgent).toBe(false);
    expect(loadConfig({ OBE_OPERATOR_AGENT: 'on' }).operatorAgent).toBe(true);
    expect(loadConfig({}).operatorAgent).toBeUndefined();
    expect(() => loadConfig({ OBE_OPERATOR_AGENT: 'maybe' })).toThrow("OBE_OPERATOR_AGENT must be 'on' or 'off'");
  });

  it('off: no agent runs, and the status says so; only the operator and the regulator may ask', async () => {
    const { gw, keys } = await start({ OBE_OPERATOR_AGENT: 'off' });
    try {
      expect(gw.gateway.operatorAgent).toBeUndefined();
      const res = await status(gw, keys['regulator-admin']);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ enabled: false, state: 'off' });
      expect((await status(gw, keys['consumer-01'])).status).toBe(403);
    } finally {
      await gw.stop();
    }
  }, 60_000);

  it('on: the agent runs as the market operator and reports', async () => {
    const { gw, keys } = await start({ OBE_OPERATOR_AGENT: 'on' });
    try {
      expect(gw.gateway.operatorAgent).toBeDefined();
      const res = await status(gw, keys['gridoperator-admin']);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { enabled: boolean; identity: string; state: string };
      expect(body).toMatchObject({ enabled: true, identity: 'gridoperator-admin' });
      expect(['idle', 'running']).toContain(body.state);
      const metrics = await (await fetch(`${gw.url}metrics`)).text();
      expect(metrics).toContain('obe_operator_ticks_total');
    } finally {
      await gw.stop();
    }
  }, 60_000);

  it('OBE_OPERATOR_CERTIFICATES=off: the agent runs without its certificate duties, and the status says so', async () => {
    const { gw, keys } = await start({ OBE_OPERATOR_AGENT: 'on', OBE_OPERATOR_CERTIFICATES: 'off' });
    try {
      const body = (await (await status(gw, keys['regulator-admin'])).json()) as { enabled: boolean; certificates: unknown; pending: Record<string, number> };
      expect(body).toMatchObject({ enabled: true, certificates: { enabled: false } });
      expect(body.pending).toMatchObject({ issue: 0, seal: 0 });
    } finally {
      await gw.stop();
    }
  }, 60_000);
});
