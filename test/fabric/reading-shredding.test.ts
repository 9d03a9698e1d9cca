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
import canonicalize from 'canonicalize';
import { TX } from '@obe/chaincode';
import { deriveSalt, sha256Hex } from '../../chaincode/src/common/hash';
import { readingSaltLabel } from '../../chaincode/src/metering/reading';
import { fabricCall } from './support/fabric-call';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway, utilitySigningCa, type Caller, type LiveApi } from './support/live-gateway';

const ADMIN = 'utility-admin';
const DSO = 'gridoperator-admin';

describeLive('crypto-shredded reading salts on Fabric', () => {
  const gateway = useLiveGateway('obe-fabric-shredding-', 'off', utilitySigningCa);
  let api: LiveApi;
  /** A request that must answer 200; its JSON body. */
  const ok = async (who: Caller, method: string, p: string, body?: unknown) => (await api.ok(who, method, p, body)).body;

  beforeAll(async () => {
    api = liveApi(gateway());
    await api.register([ADMIN]);
    const me = JSON.parse(fabricCall({ label: DSO, mode: 'evaluate', fn: TX.Participants.WhoAmI.name })) as { pseudonym: string; registered: boolean };
    if (!me.registered) fabricCall({ label: DSO, mode: 'submit', fn: TX.Participants.Register.name });
    fabricCall({ label: DSO, mode: 'submit', fn: TX.Participants.GrantRole.name, args: [JSON.stringify({ pseudonym: me.pseudonym, role: 'DSO' })] });
  }, 180_000);

  it('salts a reading with the owner’s secret, and refuses readings of the owner’s intervals after its erasure', async () => {
    const run = crypto.randomBytes(3).toString('hex');
    const onboard = async (label: string) => (await ok(ADMIN, 'POST', '/api/v1/admin/participants', { roles: ['PROSUMER'], label })) as { key: string; pseudonym: string };
    const seller = await onboard(`shred-seller-${run}`);
    const buyer = await onboard(`shred-buyer-${run}`);
    const { config } = (await ok(ADMIN, 'GET', '/api/v1/governance')) as { config: { intervalMinutes: number } };
    const lengthMs = config.intervalMinutes * 60_000;
    const lastEnded = Math.floor(Date.now() / lengthMs) * lengthMs - lengthMs;
    const device = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const assetId = `shred-${run}`;
    await ok({ key: seller.key }, 'POST', '/api/v1/registry/assets', {
      assetId,
      type: 'meter',
      segment: 'retail',
      zone: `shred-${run}`,
      capacityKw: 10,
      devicePublicKey: device.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    fabricCall({ label: DSO, mode: 'submit', fn: TX.Registry.CommissionAsset.name, args: [JSON.stringify({ assetId, meteringFrom: lastEnded - 10 * lengthMs })] });
    await ok({ key: seller.key }, 'POST', `/api/v1/registry/assets/${assetId}/activate`);

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
    const { hash } = (await ok(ADMIN, 'GET', `/api/v1/metering/assets/${assetId}/readings/${first}/hash`)) as { hash: string };
    // The batch secret alone (all the head-end kept) does not reproduce the public hash.
    expect(hash).not.toBe(sha256Hex(`${deriveSalt(batchSecret, readingSaltLabel(assetId, first))}\n${payload(first, 777)}`));

    await ok({ key: seller.key }, 'POST', `/api/v1/registry/assets/${assetId}/transfer`, { to: buyer.pseudonym });
    await ok({ key: buyer.key }, 'POST', `/api/v1/registry/assets/${assetId}/transfer/accept`);
    await ok(ADMIN, 'POST', `/api/v1/registry/participants/${seller.pseudonym}/erase`);
    expect(() => submit([signed(lastEnded, 888)])).toThrow(/owner at that interval was erased/);
  }, 180_000);
});
