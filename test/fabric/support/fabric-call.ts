/**
 * One transaction through the peer gateway, run in a child process by network/lib/fabric-call-cli.ts: the same
 * path a user takes to check a network by hand (docs/fabric.md), signed for real.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CONNECTION_FILE } from './live';
import { ROOT } from './shell';

export interface FabricCall {
  label: string;
  channel?: 'energy' | 'audit';
  mode: 'submit' | 'evaluate';
  fn: string;
  args?: string[];
  transient?: Record<string, string>;
}

export function fabricCall({ label, channel = 'energy', mode, fn, args = [], transient = {} }: FabricCall): string {
  const cli = path.join(ROOT, 'network/lib/fabric-call-cli.ts');
  const result = spawnSync(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    [cli, CONNECTION_FILE, label, channel, mode, fn, JSON.stringify(args), JSON.stringify(transient)],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`${fn} on ${channel} as ${label} failed: ${result.stderr}`);
  return result.stdout;
}
