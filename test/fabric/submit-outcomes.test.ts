/**
 * Issue 13, "submits always reach an outcome", on the native Fabric network (npm run test:fabric): a burst of submits
 * through a gateway process while the orderer is killed with SIGKILL (and, separately, a peer), and again with the
 * gateway itself restarted while submits are pending. Every submit must end committed or failed — a 202's status URL
 * included — within the submit deadline plus the final check, and nothing may commit twice. Nodes are killed and
 * restarted by network/native/node.sh (only the processes the network recorded). The same paths are proven without
 * Fabric by test/gateway/fabric-adapter/submit-outcomes.test.ts against the mocked transport.
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGatewayFile } from '../../gateway/src/setup';
import { connectionConfigSchema } from '../../network/lib/connection-config';
import { startGateway, type GatewayProcess } from '../e2e/support/gateway-process';
import { CONNECTION_FILE, describeLive, NETWORK_DIR } from './support/live';
import { NATIVE } from './support/shell';

/** Short enough for a test, long enough for a killed node to come back: the gateway's OBE_SUBMIT_DEADLINE_SECONDS. */
const DEADLINE_S = 60;
/** The deadline, the final check's settle time (35 s) and the status polling on top. */
const OUTCOME_WITHIN_MS = (DEADLINE_S + 35 + 30) * 1000;
const BURST = 40;
const CONCURRENCY = 8;

function node(action: 'kill' | 'start', name: string): void {
  const result = spawnSync('bash', [path.join(NATIVE, 'node.sh'), action, name], {
    env: { ...process.env, OBE_NETWORK_DIR: NETWORK_DIR },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`node.sh ${action} ${name} failed: ${result.stderr}`);
}

interface Answer {
  assetId: string;
  status: number;
  body: { txId?: string; status?: string; statusUrl?: string; error?: { code: string } };
}

async function request(gw: GatewayProcess, key: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Answer['body'] };
}

/** BURST asset registrations, CONCURRENCY at a time, every other one asking for a 202; `during` runs meanwhile. */
async function burst(gw: GatewayProcess, key: string, zone: string, during: () => Promise<void>): Promise<Answer[]> {
  const ids = Array.from({ length: BURST }, (_, i) => `${zone}-pv-${i}`);
  const answers: Answer[] = [];
  const worker = async () => {
    for (let assetId = ids.shift(); assetId; assetId = ids.shift()) {
      const async: Record<string, string> = answers.length % 2 === 0 ? { prefer: 'respond-async' } : {};
      const res = await request(gw, key, 'POST', '/api/v1/registry/assets', { assetId, type: 'pv', segment: 'retail', zone, capacityKw: 5 }, async).catch(
        () => ({ status: 0, body: {} }),
      );
      answers.push({ assetId, ...res });
    }
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), during()]);
  return answers;
}

/** Follows every 202 to its end; answers each submit's final state: committed, failed (with code) or never started. */
async function outcomes(gw: () => GatewayProcess, key: string, answers: Answer[], startedAt: number): Promise<Map<string, string>> {
  const final = new Map<string, string>();
  for (const a of answers) {
    if (a.status === 200) final.set(a.assetId, 'committed');
    else if (a.status !== 202) final.set(a.assetId, `failed:${a.body.error?.code ?? a.status}`);
  }
  for (const a of answers.filter((x) => x.status === 202)) {
    for (;;) {
      const res = await request(gw(), key, 'GET', a.body.statusUrl!).catch(() => ({ status: 0, body: {} as Answer['body'] }));
      if (res.status === 200 && res.body.status !== 'pending') {
        final.set(a.assetId, res.body.status === 'committed' ? 'committed' : `failed:${res.body.error?.code}`);
        break;
      }
      if (Date.now() - startedAt > OUTCOME_WITHIN_MS) {
        final.set(a.assetId, 'pending');
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return final;
}

describeLive('submits reach an outcome when a node dies (issue 13)', () => {
  let dataDir: string;
  let gw: GatewayProcess | undefined;
  let key: string;
  const env = () => ({
    OBE_LEDGER: 'fabric',
    OBE_FABRIC_CONFIG: CONNECTION_FILE,
    OBE_CONFIG: path.join(dataDir, 'gateway.json'),
    OBE_SUBMIT_DEADLINE_SECONDS: String(DEADLINE_S),
    OBE_AUDIT_RELAY: 'off',
    OBE_RATE_LIMIT: 'off',
  });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-fabric-outcomes-'));
    const connection = connectionConfigSchema.parse(JSON.parse(fs.readFileSync(CONNECTION_FILE, 'utf8')));
    const identities = connection.identities.map((i) => ({ label: i.label, mspId: i.mspId, admin: i.label.endsWith('-admin') }));
    createGatewayFile(path.join(dataDir, 'gateway.json'), dataDir, identities);
    gw = await startGateway(dataDir, env());
    // A prosumer that may register assets: registered (again is fine), role granted by its org's admin.
    key = gw.keys['prosumer-01']!;
    const reg = await request(gw, key, 'POST', '/api/v1/registry/participants');
    expect([200, 409]).toContain(reg.status);
    const me = (await request(gw, key, 'GET', '/api/v1/registry/participants/me')).body as unknown as { pseudonym: string };
    const grant = await request(gw, gw.keys['utility-admin']!, 'POST', `/api/v1/registry/participants/${me.pseudonym}/roles`, { role: 'PROSUMER' });
    expect([200, 409]).toContain(grant.status);
  }, 180_000);

  afterAll(async () => {
    if (gw) await gw.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function expectEveryOutcome(answers: Answer[], startedAt: number): Promise<void> {
    const final = await outcomes(() => gw!, key, answers, startedAt);
    expect([...final.values()].filter((s) => s === 'pending')).toEqual([]);
    expect(final.size).toBe(BURST);
    expect(Date.now() - startedAt).toBeLessThan(OUTCOME_WITHIN_MS);
    // Committed means on the ledger; nothing committed twice (a second registration would have been refused, CONFLICT).
    for (const [assetId, state] of final) {
      const found = await request(gw!, key, 'GET', `/api/v1/registry/assets/${assetId}`);
      if (state === 'committed') expect(found.status).toBe(200);
      // A submit reported failed at its deadline was checked absent: it must not have appeared since.
      if (state === 'failed:SUBMIT_EXPIRED') expect(found.status).toBe(404);
    }
    // No 502 ENDORSEMENT_MISMATCH from a peer catching up: it is retried by the retry table.
    expect([...final.values()].filter((s) => s === 'failed:ENDORSEMENT_MISMATCH')).toEqual([]);
  }

  it(
    'the orderer killed (SIGKILL) during a burst and restarted: every submit ends committed or failed within the deadline',
    async () => {
      const zone = `kill-orderer-${crypto.randomBytes(3).toString('hex')}`;
      const startedAt = Date.now();
      const answers = await burst(gw!, key, zone, async () => {
        await new Promise((r) => setTimeout(r, 1500));
        node('kill', 'orderer');
        await new Promise((r) => setTimeout(r, 8000));
        node('start', 'orderer');
      });
      await expectEveryOutcome(answers, startedAt);
    },
    OUTCOME_WITHIN_MS + 120_000,
  );

  it(
    'a peer killed during a burst and restarted (it catches up): every submit ends committed or failed, none 502',
    async () => {
      const zone = `kill-peer-${crypto.randomBytes(3).toString('hex')}`;
      const startedAt = Date.now();
      const answers = await burst(gw!, key, zone, async () => {
        await new Promise((r) => setTimeout(r, 1500));
        node('kill', 'peer-regulator');
        await new Promise((r) => setTimeout(r, 8000));
        node('start', 'peer-regulator');
      });
      await expectEveryOutcome(answers, startedAt);
    },
    OUTCOME_WITHIN_MS + 120_000,
  );

  it(
    'the gateway restarted while submits are pending (orderer down meanwhile): the new process drives every 202 to committed or failed',
    async () => {
      const zone = `restart-gw-${crypto.randomBytes(3).toString('hex')}`;
      const startedAt = Date.now();
      const answers = await burst(gw!, key, zone, async () => {
        await new Promise((r) => setTimeout(r, 1000));
        node('kill', 'orderer');
      });
      expect(answers.some((a) => a.status === 202)).toBe(true);
      // SIGTERM: followers stop where they are; their records stay pending on disk.
      await gw!.stop();
      node('start', 'orderer');
      gw = await startGateway(dataDir, env());
      await expectEveryOutcome(answers, startedAt);
    },
    OUTCOME_WITHIN_MS + 180_000,
  );
});
