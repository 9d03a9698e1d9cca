/**
 * Crash safety: a child process under concurrent submit load is killed with SIGKILL; after restart, every
 * transaction acknowledged before the kill is present with its outcome and the hash chain verifies.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedFabric, verifyBlock } from '@obe/fabric-embedded';
import { A, B, C, networkOptions } from './support';

const ROOT = path.resolve(__dirname, '../..');

interface Acked {
  txId: string;
  kind: 'put' | 'pvt' | 'ctr';
  key?: string;
  value?: string;
}

/** Runs the child until it has acknowledged `acks` transactions, then kills it with SIGKILL. */
function runAndKill(dataDir: string, acks: number): Promise<{ acked: Acked[]; invalid: string[] }> {
  return new Promise((resolve, reject) => {
    // tsx as a loader of this very node process: the tsx CLI would run the script in a grandchild SIGKILL cannot reach.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'crash-child.ts'), dataDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: Acked[] = [];
    const invalid: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not reach ${acks} acknowledgements in time; stderr: ${stderr}`));
    }, 45_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [tag, txId, kind, key, value] = line.split(' ');
        if (tag === 'ACK') acked.push({ txId, kind: kind as Acked['kind'], key, value });
        if (tag === 'INVALID') invalid.push(txId);
      }
      if (!killed && acked.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL' && killed) resolve({ acked, invalid });
      else reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

test('SIGKILL under concurrent load loses no acknowledged transaction and leaves a verifiable chain', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-crash-'));
  try {
    const firstRun = await runAndKill(dataDir, 150);
    // A second crash on top of the recovered ledger.
    const secondRun = await runAndKill(dataDir, 60);
    const acked = [...firstRun.acked, ...secondRun.acked];

    const fabric = await EmbeddedFabric.start(networkOptions({ dataDir }));
    try {
      const height = fabric.height('ch');
      let previous = '';
      for (let n = 0; n < height; n++) {
        const block = fabric.block('ch', n);
        expect(verifyBlock(block, n, previous)).toBeUndefined();
        previous = block.hash;
      }
      const reader = await fabric.identity(A, 'verifier');
      const get = async (key: string) => (await fabric.evaluate({ channel: 'ch', chaincode: 'kv', identity: reader, fn: 'KV:Get', args: [key] })).toString();
      for (const a of acked) {
        expect(fabric.txStatus('ch', a.txId)?.validationCode).toBe('VALID');
        if (a.kind === 'put') expect(await get(a.key as string)).toBe(a.value);
        if (a.kind === 'pvt') {
          expect(fabric.privateData(A, 'ch', 'kv', 'abOnly', a.key as string)?.toString()).toBe(a.value);
          expect(fabric.privateData(B, 'ch', 'kv', 'abOnly', a.key as string)?.toString()).toBe(a.value);
          expect(fabric.privateData(C, 'ch', 'kv', 'abOnly', a.key as string)).toBeUndefined();
        }
      }
      for (const txId of [...firstRun.invalid, ...secondRun.invalid]) expect(fabric.txStatus('ch', txId)?.validationCode).toBe('MVCC_READ_CONFLICT');
      // The counter equals the number of valid increments the ledger holds, acknowledged or not.
      let increments = 0;
      for (let n = 0; n < height; n++) {
        for (const tx of fabric.block('ch', n).transactions) if (tx.fn === 'KV:Increment' && tx.validationCode === 'VALID') increments++;
      }
      expect(Number(await get('crash/ctr'))).toBe(increments);
      expect(increments).toBeGreaterThanOrEqual(acked.filter((a) => a.kind === 'ctr').length);
    } finally {
      await fabric.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
