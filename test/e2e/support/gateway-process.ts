import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A real gateway process (`gateway/src/server.ts` under tsx), as `npm start` runs it, on its own data dir and port. */
export interface GatewayProcess {
  baseUrl: string;
  dataDir: string;
  /** API keys by identity label, from the demo keys file written on the first start. */
  keys: Record<string, string>;
  output(): string;
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startGateway(dataDir: string, env: Record<string, string> = {}, readyTimeoutMs = 90_000): Promise<GatewayProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../../gateway/src/server.ts')], {
    env: { ...process.env, PORT: String(port), OBE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', OBE_DEMO: 'off', ...env },
    stdio: 'pipe',
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const until = Date.now() + readyTimeoutMs;
  let ready = false;
  while (!ready && Date.now() < until && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 250));
    ready = await fetch(`${baseUrl}/readyz`).then((r) => r.status === 200, () => false);
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`gateway did not become ready:\n${output}`);
  }
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
  const keys = Object.fromEntries(Object.entries(demo).map(([label, k]) => [label, k.key]));
  return {
    baseUrl,
    dataDir,
    keys,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
