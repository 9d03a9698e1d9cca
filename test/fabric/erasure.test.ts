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
import path from 'node:path';
import { TX } from '@obe/chaincode';
import { fabricCall } from './support/fabric-call';
import { NETWORK_DIR, describeLive, peerDataDir } from './support/live';
import { liveApi, useLiveGateway, utilitySigningCa, type LiveApi } from './support/live-gateway';
import { NATIVE } from './support/shell';
import { filesContaining } from './support/peer-store';

const ADMIN = 'utility-admin';
const ISSUER = 'gridoperator-user1';
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
  const gateway = useLiveGateway('obe-fabric-erasure-', 'off', utilitySigningCa);
  let api: LiveApi;

  beforeAll(async () => {
    api = liveApi(gateway());
    await api.register([ADMIN]);
    // The token issuer (a network reused across runs may have registered it already).
    const me = JSON.parse(call(ISSUER, 'evaluate', TX.Participants.WhoAmI.name)) as { pseudonym: string; registered: boolean };
    if (!me.registered) call(ISSUER, 'submit', TX.Participants.Register.name);
    call('gridoperator-admin', 'submit', TX.Participants.GrantRole.name, [JSON.stringify({ pseudonym: me.pseudonym, role: 'MARKET_OPERATOR' })]);
  }, 180_000);

  it('purges a household’s token records from every peer’s private data store and leaves a tombstone', async () => {
    const household = (await api.ok(ADMIN, 'POST', '/api/v1/admin/participants', { roles: ['CONSUMER'], label: `fabric-erasure-${Date.now()}` })).body as { key: string; pseudonym: string };

    // An amount no other record of the run holds: minted to the household and burnt again (no counterparty record).
    const amount = randomInt(1_000_003, 9_999_991);
    const needle = `"amount":${amount}`;
    call(ISSUER, 'submit', TX.Tokens.Mint.name, [JSON.stringify({ account: household.pseudonym })], movement(amount));
    call(ISSUER, 'submit', TX.Tokens.Burn.name, [JSON.stringify({ account: household.pseudonym })], movement(amount));
    for (const peer of PEERS) {
      expect(filesContaining(peerDataDir(peer), needle)).toEqual(expect.arrayContaining([expect.stringMatching(/^ledgersData\/pvtdataStore\//)]));
    }

    const erased = await api.ok(ADMIN, 'POST', `/api/v1/registry/participants/${household.pseudonym}/erase`);
    expect((erased.body as { result: { purged: { tokenRecords: number } } }).result.purged.tokenRecords).toBe(2);
    expect((await api.call(ADMIN, 'POST', `/api/v1/registry/participants/${household.pseudonym}/erase`)).status).toBe(409);
    expect((await api.ok(ADMIN, 'GET', `/api/v1/registry/participants/${household.pseudonym}`)).body).toMatchObject({ status: 'ERASED', roles: [] });
    // Its identity can register no more: the certificate's pseudonym is a tombstone.
    expect((await api.call({ key: household.key }, 'POST', '/api/v1/registry/participants')).status).toBe(409);

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
    expect((await api.ok(ADMIN, 'GET', `/api/v1/registry/participants/${household.pseudonym}`)).body.status).toBe('ERASED');
    call(ISSUER, 'submit', TX.Tokens.Mint.name, [JSON.stringify({ account: JSON.parse(call(ISSUER, 'evaluate', TX.Participants.WhoAmI.name)).pseudonym })], movement(1));
  }, 600_000);
});
