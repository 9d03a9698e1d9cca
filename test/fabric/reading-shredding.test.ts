/**
 * Crypto-shredded reading salts on the native Fabric network (npm run test:fabric; docs/privacy-and-erasure.md,
 * "Crypto-shredding"): the utility's admin onboards two households over the API (each gets a participant secret), the
 * first registers a meter the grid operator commissions, the DSO submits a reading of it with a batch secret it keeps,
 * and the public hash is not the one the batch secret alone gives. The meter is sold to the second household, the
 * first is erased: its secret leaves the peers, and a reading for an interval it owned is refused (OWNER_ERASED).
 * Endorsed by the utility's and the grid operator's peers alike (both members of tokens_UtilityMSP), so both derive the
 * same salt. Skipped, saying why, without a running network.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { deriveSalt, sha256Hex } from '../../chaincode/src/common/hash';
import { readingSaltLabel } from '../../chaincode/src/metering/reading';
import { startGateway, type RunningGateway } from '../../gateway/src/bootstrap';
import { loadConfig } from '../../gateway/src/config';
import { newApiKey } from '../../gateway/src/http/auth';
import { fabricCall } from './support/fabric-call';
import { CONNECTION_FILE, NETWORK_DIR, describeLive } from './support/live';

const ADMIN = 'utility-admin';
const DSO = 'gridoperator-admin';
const CA_DIR = path.join(NETWORK_DIR, 'crypto', 'peerOrganizations', 'utility.obe.local', 'ca');

describeLive('crypto-shredded reading salts on Fabric', () => {
  let dataDir: string;
  let gw: RunningGateway;
  let adminKey: string;
  const api = (p: string, key: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${gw.url}${p.replace(/^\//, '')}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${key}`, ...(init.json ? { 'Content-Type': 'application/json' } : {}) },
      body: init.json ? JSON.stringify(init.json) : undefined,
    });
  const ok = async (p: string, key: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await api(p, key, init);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${text.slice(0, 400)}`);
    return text ? JSON.parse(text) : undefined;
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-fabric-shredding-'));
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
    const me = JSON.parse(fabricCall({ label: DSO, mode: 'evaluate', fn: TX.Participants.WhoAmI.name })) as { pseudonym: string; registered: boolean };
    if (!me.registered) fabricCall({ label: DSO, mode: 'submit', fn: TX.Participants.Register.name });
    fabricCall({ label: DSO, mode: 'submit', fn: TX.Participants.GrantRole.name, args: [JSON.stringify({ pseudonym: me.pseudonym, role: 'DSO' })] });
  }, 180_000);

  afterAll(async () => {
    delete process.env.OBE_FABRIC_SIGNING_CA;
    await gw?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('salts a reading with the owner’s secret, and refuses readings of the owner’s intervals after its erasure', async () => {
    const run = crypto.randomBytes(3).toString('hex');
    const onboard = async (label: string) => (await ok('/api/v1/admin/participants', adminKey, { method: 'POST', json: { roles: ['PROSUMER'], label } })) as { key: string; pseudonym: string };
    const seller = await onboard(`shred-seller-${run}`);
    const buyer = await onboard(`shred-buyer-${run}`);
    const { config } = (await ok('/api/v1/governance', adminKey)) as { config: { intervalMinutes: number } };
    const lengthMs = config.intervalMinutes * 60_000;
    const lastEnded = Math.floor(Date.now() / lengthMs) * lengthMs - lengthMs;
    const device = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const assetId = `shred-${run}`;
    await ok('/api/v1/registry/assets', seller.key, {
      method: 'POST',
      json: { assetId, type: 'meter', segment: 'retail', zone: `shred-${run}`, capacityKw: 10, devicePublicKey: device.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    fabricCall({ label: DSO, mode: 'submit', fn: TX.Registry.CommissionAsset.name, args: [JSON.stringify({ assetId, meteringFrom: lastEnded - 10 * lengthMs })] });
    await ok(`/api/v1/registry/assets/${assetId}/activate`, seller.key, { method: 'POST' });

    const payload = (intervalStart: number, importedWh: number) => canonicalize({ assetId, intervalStart, importedWh, exportedWh: 0, sequence: intervalStart / 1000 })!;
    const signed = (intervalStart: number, importedWh: number) => ({
      ...(JSON.parse(payload(intervalStart, importedWh)) as Record<string, unknown>),
      signature: crypto.sign('sha256', Buffer.from(payload(intervalStart, importedWh), 'utf8'), device.privateKey).toString('base64'),
    });
    const batchSecret = crypto.randomBytes(24).toString('hex');
    const submit = (readings: unknown[]) =>
      fabricCall({ label: DSO, mode: 'submit', fn: TX.Metering.SubmitReadings.name, transient: { readings: JSON.stringify({ salt: batchSecret, readings }) } });

    const first = lastEnded - lengthMs;
    expect(JSON.parse(submit([signed(first, 777)]))).toMatchObject({ accepted: 1 });
    const { hash } = (await ok(`/api/v1/metering/assets/${assetId}/readings/${first}/hash`, adminKey)) as { hash: string };
    // The batch secret alone (all the head-end kept) does not reproduce the public hash.
    expect(hash).not.toBe(sha256Hex(`${deriveSalt(batchSecret, readingSaltLabel(assetId, first))}\n${payload(first, 777)}`));

    await ok(`/api/v1/registry/assets/${assetId}/transfer`, seller.key, { method: 'POST', json: { to: buyer.pseudonym } });
    await ok(`/api/v1/registry/assets/${assetId}/transfer/accept`, buyer.key, { method: 'POST' });
    await ok(`/api/v1/registry/participants/${seller.pseudonym}/erase`, adminKey, { method: 'POST' });
    expect(() => submit([signed(lastEnded, 888)])).toThrow(/owner at that interval was erased/);
  }, 180_000);
});
