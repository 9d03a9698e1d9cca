/**
 * The native profile-ingestion bench run alone (scripts/bench/fabric-profiles-cli.ts): shapes from the command line,
 * and without a network a clear reason and a failing exit, never a hang or an empty result file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shapeOf } from '../../scripts/bench/fabric-profiles-cli';

describe('fabric profile bench CLI', () => {
  it('reads <meters>x<intervals> shapes and refuses anything else', () => {
    expect(shapeOf('100x96')).toEqual({ meters: 100, intervals: 96, transactions: 8, clients: 4 });
    expect(shapeOf('100x96@2')).toEqual({ meters: 100, intervals: 96, transactions: 8, clients: 2 });
    for (const bad of ['100', '100x', 'x96', '100×96', '-1x4', '1x4x2', '0x96', '100x0', '100x96@0', '100x96@9', '100x96@']) expect(() => shapeOf(bad)).toThrow(/is not <meters>x<intervals>/);
  });

  it('without a network says why and exits 1, writing no result', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-profiles-cli-'));
    const out = path.join(dir, 'out.json');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/fabric-profiles-cli.ts', '100x4'], {
      env: { ...process.env, OBE_FABRIC_CONFIG: path.join(dir, 'missing.json'), OBE_BENCH_OUT: out },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no connection config at .*missing\.json/);
    expect(fs.existsSync(out)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 70_000);
});
