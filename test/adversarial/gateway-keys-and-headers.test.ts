import '../../gateway/src/quiet-chaincode-logs';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { type RunningGateway } from '../../gateway/src/bootstrap';
import { startInProcessGateway } from '../e2e/support/in-process-gateway';

/**
 * Issue #12, defect 12 (keys and transport), against the gateway `npm start` runs (bootstrap, in-process, embedded):
 * a key revoked with `api-key revoke` kept working until a restart, and Node's own 431 answers had no body.
 */
jest.setTimeout(90_000);

const root = path.resolve(__dirname, '../..');
let gw: RunningGateway;
let dataDir: string;
let configFile: string;
let keys: Record<string, string>;

beforeAll(async () => {
  ({ gw, dataDir, keys } = await startInProcessGateway('obe-adv-keys-', { OBE_AUDIT_RELAY: 'off' }));
  configFile = path.join(dataDir, 'gateway.json');
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

const base = () => gw.url.replace(/\/$/, '');
const me = (key: string) => fetch(`${base()}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(5000) });

/** The `api-key` CLI, as an operator runs it against this gateway's config file. */
async function apiKeyCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'gateway/src/cli/api-key.ts'), ...args], {
    cwd: root,
    env: { ...process.env, OBE_CONFIG: configFile, OBE_DATA_DIR: dataDir },
  });
  return stdout;
}

function keyIdOf(identity: string): string {
  const file = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { apiKeys: { id: string; identity: string }[] };
  const entry = file.apiKeys.find((k) => k.identity === identity);
  if (!entry) throw new Error(`no key for ${identity}`);
  return entry.id;
}

async function statusWithin(ms: number, key: string, wanted: number): Promise<number> {
  const until = Date.now() + ms;
  let status = 0;
  while (Date.now() < until) {
    status = (await me(key)).status;
    if (status === wanted) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

describe('API keys change on the running gateway', () => {
  it('a key revoked with `api-key revoke` is refused (401) within seconds, without a restart; its open event stream ends', async () => {
    const key = keys['prosumer-01'];
    expect((await me(key)).status).toBe(200);
    const stream = await fetch(`${base()}/api/v1/events`, { headers: { Authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read(); // the `retry`/`connected` preamble

    await apiKeyCli('revoke', keyIdOf('prosumer-01'));
    expect(await statusWithin(5000, key, 401)).toBe(401);
    // Another key of the same file keeps working.
    expect((await me(keys['consumer-01'])).status).toBe(200);
    // The revoked key's stream ends (no restart, no 15 s heartbeat needed: the reload closes it).
    const ended = await Promise.race([
      (async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) return 'ended';
        }
      })().catch(() => 'ended'),
      new Promise((r) => setTimeout(() => r('still open'), 5000)),
    ]);
    await reader.cancel().catch(() => undefined);
    expect(ended).toBe('ended');
  });

  it('a key added with `api-key add` works without a restart', async () => {
    const issued = JSON.parse(await apiKeyCli('add', 'consumer-01')) as Record<string, string>;
    expect(await statusWithin(5000, issued['consumer-01'], 200)).toBe(200);
  });

  it('`api-key add` refuses a label that has no identity, with a clear message, and issues nothing', async () => {
    const before = fs.readFileSync(path.join(dataDir, 'gateway.json'), 'utf8');
    await expect(apiKeyCli('add', 'no-such-identity')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/no ledger identity 'no-such-identity'.*none was issued/s) });
    expect(fs.readFileSync(path.join(dataDir, 'gateway.json'), 'utf8')).toBe(before);
  });
});

describe('answers Node gives before Express are JSON errors', () => {
  function raw(headers: Record<string, string>): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${base()}/api/v1/me`, { headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      });
      req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
      req.on('error', reject);
      req.end();
    });
  }

  it('headers over the size limit: 431 in the JSON error format', async () => {
    const res = await raw({ Authorization: `Bearer ${keys['consumer-01']}`, 'X-Padding': 'a'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.type).toMatch(/^application\/json/);
    const body = JSON.parse(res.body || '{}') as { error?: { code?: string; message?: string; requestId?: string } };
    expect(body.error?.code).toBe('HEADERS_TOO_LARGE');
    expect(typeof body.error?.requestId).toBe('string');
    // The gateway still answers afterwards.
    expect((await me(keys['consumer-01'])).status).toBe(200);
  });

  it('a request that is not HTTP: 400 in the JSON error format', async () => {
    const url = new URL(base());
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => socket.write('GARBAGE \u0001\r\n\r\n'));
      let data = '';
      socket.on('data', (c: Buffer) => (data += c.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('BAD_REQUEST');
  });

  it('the server bounds slow clients: header and request timeouts are set', () => {
    const server = (gw as unknown as { server?: http.Server }).server;
    expect(server?.headersTimeout).toBeLessThanOrEqual(30_000);
    expect(server?.requestTimeout).toBeLessThanOrEqual(120_000);
    expect(server?.maxHeadersCount).toBeLessThanOrEqual(200);
  });
});
