import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Contracts must not depend on emitted decorator metadata for their parameters: tsx/esbuild (scripts, chaincode
 * authors' own tooling) emits none, and then fabric-contract-api refuses every argument ("Expected 0 parameters").
 * ts-jest emits metadata, so the check runs in a tsx child process where a missing @Param really shows.
 */
describe('transaction parameters', () => {
  it('every transaction declares its parameters explicitly', () => {
    const cli = path.join(__dirname, 'support/declared-params-cli.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', cli], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const line = out.split('\n').find((l) => l.startsWith('{"checked"'));
    const result = JSON.parse(line ?? '{}') as { checked: number; mismatches: string[] };
    expect(result.checked).toBeGreaterThan(50);
    expect(result.mismatches).toEqual([]);
  }, 60_000);
});
