/**
 * network/native/node.sh, used by test/fabric/submit-outcomes.test.ts to take one node away under load: it SIGKILLs
 * only the process the network recorded for that name (its program checked), and starting a node needs the Fabric
 * binaries. Runs without Fabric, on stand-in processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedPath, NATIVE, runBash } from './support/shell';

function standIn(program: string): ChildProcess {
  return spawn('bash', ['-c', `exec -a ${program} "${process.execPath}" -e "setInterval(() => {}, 1000)" node start`], { stdio: 'ignore' });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));

describe('network/native/node.sh', () => {
  let gen: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    gen = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-node-'));
    fs.mkdirSync(path.join(gen, 'run'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    fs.rmSync(gen, { recursive: true, force: true });
  });
  const node = (...args: string[]) => runBash(`bash "${NATIVE}/node.sh" "$@"`, { PATH: isolatedPath(), OBE_NETWORK_DIR: gen }, args);

  it('kill SIGKILLs exactly the recorded node and forgets its PID; another node and an impostor are left alone', async () => {
    const orderer = standIn('orderer');
    const peer = standIn('peer');
    const impostor = standIn('node');
    children.push(orderer, peer, impostor);
    await new Promise((r) => setTimeout(r, 200));
    fs.writeFileSync(path.join(gen, 'run/orderer.pid'), `${orderer.pid}\n`);
    fs.writeFileSync(path.join(gen, 'run/peer-utility.pid'), `${peer.pid}\n`);
    fs.writeFileSync(path.join(gen, 'run/peer-regulator.pid'), `${impostor.pid}\n`);
    expect(node('kill', 'orderer').status).toBe(0);
    await exited(orderer);
    expect(orderer.signalCode).toBe('SIGKILL');
    expect(fs.existsSync(path.join(gen, 'run/orderer.pid'))).toBe(false);
    expect(node('kill', 'peer-regulator').status).toBe(0); // not a peer: never signalled
    expect(impostor.exitCode === null && impostor.signalCode === null).toBe(true);
    expect(peer.exitCode === null && peer.signalCode === null).toBe(true);
  });

  it('refuses names that are not nodes of the network, and start without the Fabric binaries', () => {
    expect(node('kill', 'chaincode-utility').status).toBe(2);
    expect(node('kill', '../../etc').status).toBe(2);
    const start = node('start', 'orderer');
    expect(start.status).not.toBe(0);
    expect(start.stderr).toMatch(/Fabric/);
  });

  it('never starts a peer over a store rebuild that was interrupted between its renames (it would create the store empty)', () => {
    const retired = path.join(gen, 'data/peer-utility/ledgersData/pvtdataStore.obe-compact-old');
    fs.mkdirSync(retired, { recursive: true });
    const start = runBash(`source "${NATIVE}/lib.sh" && start_peer utility`, { PATH: isolatedPath(), OBE_NETWORK_DIR: gen }, []);
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(/interrupted store rebuild.*peer:compact/);
    expect(fs.existsSync(path.join(gen, 'run/peer-utility.pid'))).toBe(false);
  });
});
