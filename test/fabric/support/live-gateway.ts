/**
 * A gateway process with OBE_LEDGER=fabric on the native network, for the suites that drive it over HTTP: API keys
 * for the network's identities, as an operator would configure them (embedded mode does this itself), then the
 * gateway started before the suite and stopped (exit code 0 expected) and its data directory removed after it.
 * `liveApi` is its HTTP API as those identities (requests, participant registration, role grants, assets brought
 * into service), `waitUntil`
 * the suites' wait for a point in wall-clock time (interval starts and ends on the network's 1-minute intervals).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGatewayFile } from '../../../gateway/src/setup';
import { connectionConfigSchema } from '../../../network/lib/connection-config';
import { startGateway, type GatewayProcess } from '../../e2e/support/gateway-process';
import { CONNECTION_FILE, NETWORK_DIR } from './live';

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

/** A reply of the gateway's HTTP API: its status and its JSON body (undefined when the body is empty). */
export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Who makes a request: one of the network's identities by label, or a key the API handed out (an onboarded household's). */
export type Caller = string | { readonly key: string };

/** The gateway's HTTP API as the network's identities (by label), for the live suites' flows. */
export interface LiveApi {
  /** A request with the caller's API key; `body`, when given, is sent as JSON. Any status is returned. */
  call(who: Caller, method: string, path: string, body?: unknown): Promise<Reply>;
  /** `call` that must answer 200: otherwise it throws with the reply and the end of the gateway's output. */
  ok(who: Caller, method: string, path: string, body?: unknown): Promise<Reply>;
  /**
   * Registers each identity as a participant, in order (409 is fine: a suite that ran before on the same network
   * registered it), and returns their pseudonyms by label.
   */
  register(labels: readonly string[]): Promise<Record<string, string>>;
  /** `admin` grants `role` to the participant `label` registered above (409 is fine: it has the role already). */
  grant(admin: string, label: string, role: string): Promise<void>;
  /**
   * Brings an asset into service: `owner` registers it, gridoperator-admin commissions it (with `commission` as the
   * body when given, e.g. `{ meteringFrom }`), `owner` activates it; each step must answer 200.
   */
  activeAsset(owner: string, asset: { assetId: string } & Record<string, unknown>, commission?: Record<string, unknown>): Promise<void>;
}

export function liveApi(gw: GatewayProcess): LiveApi {
  const pseudonyms: Record<string, string> = {};
  const call = async (who: Caller, method: string, path: string, body?: unknown): Promise<Reply> => {
    // Suites block this process in synchronous ledger calls (spawnSync) for longer than the gateway's keep-alive
    // timeout: a timer turn first lets fetch see the idle connection closed instead of reusing it (ECONNRESET).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const res = await fetch(`${gw.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${typeof who === 'string' ? gw.keys[who] : who.key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const ok = async (who: Caller, method: string, path: string, body?: unknown): Promise<Reply> => {
    const reply = await call(who, method, path, body);
    if (reply.status !== 200) throw new Error(`${method} ${path} as ${typeof who === 'string' ? who : 'a key'}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 400)}\n${gw.output().slice(-2000)}`);
    return reply;
  };
  return {
    call,
    ok,
    register: async (labels) => {
      const registered: Record<string, string> = {};
      for (const label of labels) {
        const reg = await call(label, 'POST', '/api/v1/registry/participants');
        expect([200, 409]).toContain(reg.status);
        registered[label] = pseudonyms[label] = (await ok(label, 'GET', '/api/v1/registry/participants/me')).body.pseudonym;
      }
      return registered;
    },
    grant: async (admin, label, role) => {
      const pseudonym = pseudonyms[label];
      if (pseudonym === undefined) throw new Error(`grant ${role} to ${label}: not registered by this suite (register it first)`);
      const res = await call(admin, 'POST', `/api/v1/registry/participants/${pseudonym}/roles`, { role });
      expect([200, 409]).toContain(res.status);
    },
    activeAsset: async (owner, asset, commission) => {
      await ok(owner, 'POST', '/api/v1/registry/assets', asset);
      await ok('gridoperator-admin', 'POST', `/api/v1/registry/assets/${asset.assetId}/commission`, commission);
      await ok(owner, 'POST', `/api/v1/registry/assets/${asset.assetId}/activate`);
    },
  };
}

/**
 * The gateway setting that lets the utility's admin onboard households over the API (OBE_FABRIC_SIGNING_CA: the
 * utility org's CA issues their certificates), from the network's crypto material; for useLiveGateway's extraEnv.
 */
export function utilitySigningCa(): Record<string, string> {
  const dir = path.join(NETWORK_DIR, 'crypto', 'peerOrganizations', 'utility.obe.local', 'ca');
  const file = (suffix: string) => path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(suffix))!);
  return { OBE_FABRIC_SIGNING_CA: `UtilityMSP:${file('-cert.pem')}:${file('_sk')}` };
}

/** Waits in real time, polling at least once a second, until the clock reaches `ms` (epoch milliseconds). */
export async function waitUntil(ms: number): Promise<void> {
  while (Date.now() < ms) await new Promise((r) => setTimeout(r, Math.min(1000, ms - Date.now() + 5)));
}
