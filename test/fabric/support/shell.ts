/** Runs the network scripts with a controlled PATH, so the tests never see (or need) real Fabric binaries. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const NATIVE = path.join(ROOT, 'network/native');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** PATH with only the given directories plus node and the base system tools (no Fabric install directories). */
export function isolatedPath(...dirs: string[]): string {
  return [...dirs, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
}

export function runBash(script: string, env: NodeJS.ProcessEnv, args: string[] = []): RunResult {
  const result = spawnSync('bash', ['-c', script, 'bash', ...args], {
    cwd: ROOT,
    env: { HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes an executable that prints what `<name> version` prints for a Fabric build of `version`. */
export function fakeFabricBinary(dir: string, name: string, version: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const body = `#!/usr/bin/env bash\nprintf '%s:\\n Version: ${version}\\n Commit SHA: test\\n' "${name}"\n`;
  fs.writeFileSync(path.join(dir, name), body, { mode: 0o755 });
}
