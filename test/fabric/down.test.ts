import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedPath, NATIVE, runBash } from './support/shell';

/**
 * A long-running stand-in whose command line reads like `<program> … node start` (down.sh checks the command line
 * before signalling a recorded PID): node, renamed through argv[0].
 */
function standIn(program: string): ChildProcess {
  const script = `exec -a ${program} "${process.execPath}" -e "setInterval(() => {}, 1000)" node start`;
  return spawn('bash', ['-c', script], { stdio: 'ignore' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('network:down', () => {
  let gen: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    gen = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-down-'));
    fs.mkdirSync(path.join(gen, 'run'));
    fs.mkdirSync(path.join(gen, 'data/peer-utility'), { recursive: true });
    fs.mkdirSync(path.join(gen, 'crypto'));
    fs.writeFileSync(path.join(gen, 'connection.json'), '{}');
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    fs.rmSync(gen, { recursive: true, force: true });
  });

  const down = (...args: string[]) =>
    runBash(`bash "${NATIVE}/down.sh" "$@"`, { PATH: isolatedPath(), OBE_NETWORK_DIR: gen }, args);

  it('stops exactly the recorded processes, leaves every other process alone and removes the state', async () => {
    const recordedPeer = standIn('peer');
    const recordedOrderer = standIn('orderer');
    const recordedChaincode = spawn('bash', ['-c', `exec -a node "${process.execPath}" -e "setInterval(() => {}, 1000)" /x/node_modules/.bin/fabric-chaincode-node server --chaincode-id obe:1`], { stdio: 'ignore' });
    const unrecordedPeer = standIn('peer');
    // A PID file whose process is not what was recorded (the PID was reused by something else): never signalled.
    const impostor = standIn('node');
    children.push(recordedPeer, recordedOrderer, recordedChaincode, unrecordedPeer, impostor);
    fs.writeFileSync(path.join(gen, 'run/peer-utility.pid'), `${recordedPeer.pid}\n`);
    fs.writeFileSync(path.join(gen, 'run/orderer.pid'), `${recordedOrderer.pid}\n`);
    fs.writeFileSync(path.join(gen, 'run/peer-regulator.pid'), `${impostor.pid}\n`);
    fs.writeFileSync(path.join(gen, 'run/chaincode-utility.pid'), `${recordedChaincode.pid}\n`);
    fs.writeFileSync(path.join(gen, 'run/chaincode-regulator.pid'), '999999999\n');

    const result = down();
    expect(result.status).toBe(0);
    await Promise.all([waitForExit(recordedPeer), waitForExit(recordedOrderer), waitForExit(recordedChaincode)]);
    expect(alive(recordedPeer.pid!)).toBe(false);
    expect(alive(recordedChaincode.pid!)).toBe(false);
    expect(alive(recordedOrderer.pid!)).toBe(false);
    expect(alive(unrecordedPeer.pid!)).toBe(true);
    expect(alive(impostor.pid!)).toBe(true);
    expect(result.stderr).toContain(`stopped peer-utility (PID ${recordedPeer.pid})`);
    expect(result.stderr).not.toContain('peer-regulator');
    expect(fs.existsSync(gen)).toBe(false);
  });

  it('is idempotent: a second run and a run with nothing generated both succeed', () => {
    expect(down().status).toBe(0);
    expect(down().status).toBe(0);
    expect(fs.existsSync(gen)).toBe(false);
  });

  it('--keep-logs removes the state but keeps the logs of a failed run', () => {
    fs.mkdirSync(path.join(gen, 'logs'));
    fs.writeFileSync(path.join(gen, 'logs/peer-utility.log'), 'boom');
    expect(down('--keep-logs').status).toBe(0);
    expect(fs.readdirSync(gen)).toEqual(['logs']);
  });
});
