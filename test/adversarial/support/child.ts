import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ChildGateway {
  baseUrl: string;
  keys: Record<string, string>;
  pseudonyms: Record<string, string>;
  /** GET/POST with a hard client-side timeout: a hung gateway is a failed request, never a hung test. */
  request(method: string, url: string, options?: { key?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number }): Promise<Answer>;
  stop(): Promise<void>;
}

export interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
  ms: number;
}

/** Starts test/adversarial/support/child-gateway.ts under tsx and waits for its port. */
export async function startChildGateway(timeoutMs = 60_000, env: Record<string, string> = {}): Promise<ChildGateway> {
  const root = path.resolve(__dirname, '../../..');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'child-gateway.ts')], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=512', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ port: number; keys: Record<string, string>; pseudonyms: Record<string, string> }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child gateway did not start:\n${output}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { port: number; keys: Record<string, string>; pseudonyms: Record<string, string> });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child gateway exited (${code}):\n${output}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${ready.port}`;
  return {
    baseUrl,
    keys: ready.keys,
    pseudonyms: ready.pseudonyms ?? {},
    async request(method, url, options = {}) {
      const started = Date.now();
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.key) headers.Authorization = `Bearer ${options.key}`;
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${baseUrl}${url}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      // An event stream that opened is an answer too: its status is what counts, never its (endless) body.
      if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await res.body?.cancel();
        return { status: res.status, body: undefined, text: '', headers: res.headers, ms: Date.now() - started };
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body, text, headers: res.headers, ms: Date.now() - started };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killed = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(killed);
      }
    },
  };
}
