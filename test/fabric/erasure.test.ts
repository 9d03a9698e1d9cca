/**
 * Erasure on the native Fabric network (npm run test:fabric; docs/privacy-and-erasure.md): the utility's admin
 * onboards a household over the API, the token issuer mints it an amount unique to this run and burns it again, and
 * the admin erases the household. Before: the amount is in the private data store of every peer of tokens_UtilityMSP
 * (utility, grid operator, regulator) — the positive control. After: Fabric's purge (network/native core.yaml,
 * ledger.pvtdataStore.purgeInterval 1) has run on every peer, no file outside the peers' LevelDB stores holds the
 * amount, and the household is an ERASED tombstone that cannot register again. Then the operator's step after an
 * erasure (docs/operations.md): each peer in turn is stopped, its LevelDB stores compacted and restarted
 * (network/native/node.sh compact), and afterwards no file of any peer's data directory, nor of the orderer's (it
 * never receives private data, only its hashes), holds the amount, while each peer answers with the same ledger
 * height and the same query results as before. Skipped, saying why, without a running network.
 *
 * A peer keeps its stores in LevelDB, read raw here (support/peer-store.ts). Fabric's purge deletes the keys, and
 * LevelDB reclaims deleted bytes only when it compacts the journal and tables they sit in, which a quiet peer may not
 * do for a long time: before the compaction the files still holding the value are printed (docs/privacy-and-erasure.md,
 * On disk).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { startGateway, type RunningGateway } from '../../gateway/src/bootstrap';
import { loadConfig } from '../../gateway/src/config';
import { newApiKey } from '../../gateway/src/http/auth';
import { fabricCall } from './support/fabric-call';
import { CONNECTION_FILE, NETWORK_DIR, describeLive, peerDataDir } from './support/live';
import { NATIVE } from './support/shell';
import { filesContaining } from './support/peer-store';

const ADMIN = 'utility-admin';
const ISSUER = 'gridoperator-user1';
const CA_DIR = path.join(NETWORK_DIR, 'crypto', 'peerOrganizations', 'utility.obe.local', 'ca');
const PEERS = ['gridoperator', 'utility', 'regulator'] as const;

const call = (label: string, mode: 'submit' | 'evaluate', fn: string, args: string[] = [], transient: Record<string, string> = {}) =>
  fabricCall({ label, mode, fn, args, transient });
/** Runs a command of the native network's scripts (lib.sh sourced, the network at NETWORK_DIR); its stdout. */
function network(label: string, script: string, timeout = 120_000): { stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-c', `source "${NATIVE}/lib.sh"; ${script}`], {
    env: { ...process.env, OBE_NETWORK_DIR: NETWORK_DIR },
    encoding: 'utf8',
    timeout,
  });
  if (result.status !== 0) throw new Error(`${label} failed (${result.status}): ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}
/** The peer's height of the energy channel, asked of the peer itself by its org's admin. */
const height = (peer: string) =>
  (JSON.parse(network(`getinfo on peer-${peer}`, `use_org_admin ${peer}; peer channel getinfo -c energy | sed -n 's/^Blockchain info: //p'`).stdout) as { height: number }).height;
const movement = (amount: number) => ({ movement: JSON.stringify({ amount, salt: randomBytes(24).toString('hex') }) });

describeLive('erasure on Fabric: purged from every peer, on disk', () => {
  let dataDir: string;
  let gw: RunningGateway;
  let adminKey: string;
  // The ledger calls (spawnSync) block this process, the gateway's too, often longer than its keep-alive timeout: a
  // timer turn first lets fetch drop the idle connection instead of reusing it as the server closes it (ECONNRESET).
  const api = async (p: string, key: string, init: { method?: string; json?: unknown } = {}) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return fetch(`${gw.url}${p.replace(/^\//, '')}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${key}`, ...(init.json ? { 'Content-Type': 'application/json' } : {}) },
      body: init.json ? JSON.stringify(init.json) : undefined,
    });
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-fabric-erasure-'));
    const admin = newApiKey(ADMIN);
    adminKey = admin.key;
    fs.writeFileSync(path.join(dataDir, 'gateway.json'), JSON.stringify({ apiKeys: [admin.stored] }));
    const caKey = fs.readdirSync(CA_DIR).find((f) => f.endsWith('_sk'))!;
    const caCert = fs.readdirSync(CA_DIR).find((f) => f.endsWith('-cert.pem'))!;
    const env = {
      PORT: '0', OBE_LEDGER: 'fabric', OBE_FABRIC_CONFIG: CONNECTION_FILE, OBE_DATA_DIR: dataDir, OBE_AUDIT_RELAY: 'off', OBE_DEMO: 'off', LOG_LEVEL: 'silent',
      OBE_FABRIC_SIGNING_CA: `UtilityMSP:${path.join(CA_DIR, caCert)}:${path.join(CA_DIR, caKey)}`,
    };
    process.env.OBE_FABRIC_SIGNING_CA = env.OBE_FABRIC_SIGNING_CA;
    gw = await startGateway(loadConfig(env), pino({ level: 'silent' }));
    await gw.ready;
    await api('/api/v1/registry/participants', adminKey, { method: 'POST' }); // 200, or 409 when registered before
    // The token issuer (a network reused across runs may have registered it already).
    const me = JSON.parse(call(ISSUER, 'evaluate', TX.Participants.WhoAmI.name)) as { pseudonym: string; registered: boolean };
    if (!me.registered) call(ISSUER, 'submit', TX.Participants.Register.name);
    call('gridoperator-admin', 'submit', TX.Participants.GrantRole.name, [JSON.stringify({ pseudonym: me.pseudonym, role: 'MARKET_OPERATOR' })]);
  }, 180_000);

  afterAll(async () => {
    delete process.env.OBE_FABRIC_SIGNING_CA;
    await gw?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('purges a household’s token records from every peer’s private data store and leaves a tombstone', async () => {
    const res = await api('/api/v1/admin/participants', adminKey, { method: 'POST', json: { roles: ['CONSUMER'], label: `fabric-erasure-${Date.now()}` } });
    expect(res.status).toBe(200);
    const household = (await res.json()) as { key: string; pseudonym: string };

    // An amount no other record of the run holds: minted to the household and burnt again (no counterparty record).
    const amount = randomInt(1_000_003, 9_999_991);
    const needle = `"amount":${amount}`;
    call(ISSUER, 'submit', TX.Tokens.Mint.name, [JSON.stringify({ account: household.pseudonym })], movement(amount));
    call(ISSUER, 'submit', TX.Tokens.Burn.name, [JSON.stringify({ account: household.pseudonym })], movement(amount));
    for (const peer of PEERS) {
      expect(filesContaining(peerDataDir(peer), needle)).toEqual(expect.arrayContaining([expect.stringMatching(/^ledgersData\/pvtdataStore\//)]));
    }

    const erased = await api(`/api/v1/registry/participants/${household.pseudonym}/erase`, adminKey, { method: 'POST' });
    expect(erased.status).toBe(200);
    expect(((await erased.json()) as { result: { purged: { tokenRecords: number } } }).result.purged.tokenRecords).toBe(2);
    expect((await api(`/api/v1/registry/participants/${household.pseudonym}/erase`, adminKey, { method: 'POST' })).status).toBe(409);
    const tombstone = (await (await api(`/api/v1/registry/participants/${household.pseudonym}`, adminKey)).json()) as { status: string; roles: string[] };
    expect(tombstone).toMatchObject({ status: 'ERASED', roles: [] });
    // Its identity can register no more: the certificate's pseudonym is a tombstone.
    expect((await api('/api/v1/registry/participants', household.key, { method: 'POST' })).status).toBe(409);

    // A block after the purge's lets the peers' purge manager run (purgeInterval 1).
    call(ISSUER, 'submit', TX.Tokens.Mint.name, [JSON.stringify({ account: JSON.parse(call(ISSUER, 'evaluate', TX.Participants.WhoAmI.name)).pseudonym })], movement(1));
    const leveldb = /^(ledgersData\/.+|transientstore)\/[^/]+\.(log|ldb)$/;
    for (const peer of PEERS) {
      const files = filesContaining(peerDataDir(peer), needle);
      if (files.length > 0) console.info(`peer-${peer}: the purged value's bytes are still in LevelDB files awaiting compaction: ${files.join(', ')}`);
      expect({ peer, outsideLevelDb: files.filter((file) => !leveldb.test(file)) }).toEqual({ peer, outsideLevelDb: [] });
    }

    // The operator's step after an erasure: one peer at a time (the others keep the network available), stop it,
    // compact its stores, start it. It holds the same ledger and answers the same.
    for (const peer of PEERS) {
      const identity = `${peer}-admin`;
      const heightBefore = height(peer);
      const whoBefore = call(identity, 'evaluate', TX.Participants.WhoAmI.name);
      // A read of private data (the issuer's balance, from the tokens collection) through its org's peer.
      const balance = () => (peer === 'gridoperator' ? call(ISSUER, 'evaluate', TX.Tokens.GetMyBalance.name) : undefined);
      const balanceBefore = balance();
      const started = Date.now();
      const { stderr } = network(`node.sh compact peer-${peer}`, `bash "${NATIVE}/node.sh" compact peer-${peer}`, 300_000);
      console.info(`peer-${peer}: stopped, compacted and restarted in ${Date.now() - started} ms\n${stderr.split('\n').filter((l) => l.startsWith('[peer:compact]')).join('\n')}`);
      expect({ peer, files: filesContaining(peerDataDir(peer), needle) }).toEqual({ peer, files: [] });
      expect({ peer, height: height(peer) }).toEqual({ peer, height: heightBefore });
      expect({ peer, whoAmI: call(identity, 'evaluate', TX.Participants.WhoAmI.name) }).toEqual({ peer, whoAmI: whoBefore });
      expect({ peer, balance: balance() }).toEqual({ peer, balance: balanceBefore });
    }
    // The orderer orders transactions whose private inputs travel only in the transient map: its blocks hold hashes.
    expect(filesContaining(path.join(NETWORK_DIR, 'data', 'orderer'), needle)).toEqual([]);
    // The network endorses and commits with every peer compacted: the tombstone is still there and a submit goes through.
    expect(((await (await api(`/api/v1/registry/participants/${household.pseudonym}`, adminKey)).json()) as { status: string }).status).toBe('ERASED');
    call(ISSUER, 'submit', TX.Tokens.Mint.name, [JSON.stringify({ account: JSON.parse(call(ISSUER, 'evaluate', TX.Participants.WhoAmI.name)).pseudonym })], movement(1));
  }, 600_000);
});
