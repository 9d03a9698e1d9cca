import { generateKeyPairSync } from 'node:crypto';
import { expectRefused, GRID, newDevice, ObeNet, registerAsset, type Cast } from '../support';

import { TX } from '@obe/chaincode';
interface Asset {
  assetId: string;
  type: string;
  status: string;
  owner: string;
  ownerMspId: string;
  devicePublicKey: string | null;
  storageKwh: number | null;
  commissionedBy: string | null;
  pendingTransfer: { to: string } | null;
}

describe('grid asset registry', () => {
  let net: ObeNet;
  let cast: Cast;
  const device = newDevice();
  const meter = (assetId: string, extra: Record<string, unknown> = {}) => ({
    assetId,
    type: 'meter',
    segment: 'retail',
    zone: 'feeder-7',
    capacityKw: 11,
    devicePublicKey: device.publicKeyPem,
    ...extra,
  });

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('reg');
  });
  afterAll(() => net.close());

  it('registers an asset owned by the caller’s pseudonym, with the device key as SPKI PEM', async () => {
    const asset = await net.submit<Asset>(cast.prosumer.identity, TX.Registry.RegisterAsset, [meter('m-1')]);
    expect(asset).toMatchObject({ assetId: 'm-1', type: 'meter', status: 'REGISTERED', owner: cast.prosumer.pseudonym, ownerMspId: cast.prosumer.mspId });
    expect(asset.devicePublicKey).toBe(device.publicKeyPem);
    expect(await net.evaluate(cast.regulator.identity, TX.Registry.GetAsset, ['m-1'])).toEqual(asset);
  });

  it('accepts a JWK device key and stores the same PEM', async () => {
    const asset = await net.submit<Asset>(cast.prosumer.identity, TX.Registry.RegisterAsset, [meter('m-jwk', { devicePublicKey: device.publicJwk })]);
    expect(asset.devicePublicKey).toBe(device.publicKeyPem);
  });

  it('registers storage with its energy capacity and grid infrastructure for a DSO', async () => {
    const battery = await net.submit<Asset>(cast.prosumer.identity, TX.Registry.RegisterAsset, [
      { assetId: 'bat-1', type: 'battery', segment: 'retail', zone: 'feeder-7', capacityKw: 5, storageKwh: 13.5 },
    ]);
    expect(battery.storageKwh).toBe(13.5);
    expect(battery.devicePublicKey).toBeNull();
    const feeder = await net.submit<Asset>(cast.dso.identity, TX.Registry.RegisterAsset, [{ assetId: 'feeder-7', type: 'feeder', segment: 'retail', zone: 'feeder-7', capacityKw: 400 }]);
    expect(feeder.ownerMspId).toBe(GRID);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  it.each([
    ['an owner name', meter('m-x', { ownerName: 'Jane Doe' }), /Unrecognized key/],
    ['an address', meter('m-x', { address: '1 Main St' }), /Unrecognized key/],
    ['a customer number', meter('m-x', { customerNumber: '12345' }), /Unrecognized key/],
    ['an unknown type', meter('m-x', { type: 'toaster' }), /type/],
    ['an unknown segment', meter('m-x', { segment: 'both' }), /segment/],
    ['a negative capacity', meter('m-x', { capacityKw: -1 }), /capacityKw/],
    ['a capacity finer than a watt', meter('m-x', { capacityKw: 1.0001 }), /capacityKw/],
    ['a meter without device key', { assetId: 'm-x', type: 'meter', segment: 'retail', zone: 'z', capacityKw: 3 }, /devicePublicKey/],
    ['an RSA device key', meter('m-x', { devicePublicKey: rsa }), /P-256/],
    ['a P-384 device key', meter('m-x', { devicePublicKey: p384 }), /P-256/],
    ['a key that is not PEM', meter('m-x', { devicePublicKey: 'hello' }), /P-256/],
    ['a private key', meter('m-x', { devicePublicKey: device.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }), /P-256/],
    ['a JWK with its private part', meter('m-x', { devicePublicKey: { ...device.publicJwk, d: 'x'.repeat(43) } }), /devicePublicKey/],
    ['a battery without kWh', { assetId: 'b-x', type: 'battery', segment: 'retail', zone: 'z', capacityKw: 3 }, /storageKwh/],
    ['kWh on a PV plant', { assetId: 'p-x', type: 'pv', segment: 'retail', zone: 'z', capacityKw: 3, storageKwh: 4 }, /storageKwh/],
    ['a bad asset id', meter('m x/1'), /assetId/],
  ])('refuses an asset with %s, writing nothing', async (_what, input, pattern) => {
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.RegisterAsset, [input]), 'INVALID_ARGUMENT', pattern);
    await expect(net.evaluate(cast.regulator.identity, TX.Registry.GetAsset, ['m-x'])).rejects.toThrow('[NOT_FOUND]');
  });

  it('refuses a duplicate id, grid infrastructure from a non-DSO, and callers without an asset-holding role', async () => {
    await expectRefused(net, () => net.submit(cast.consumer.identity, TX.Registry.RegisterAsset, [meter('m-1')]), 'CONFLICT', /already exists/);
    await expectRefused(
      net,
      () => net.submit(cast.prosumer.identity, TX.Registry.RegisterAsset, [{ assetId: 'tr-1', type: 'transformer', segment: 'retail', zone: 'z', capacityKw: 630 }]),
      'FORBIDDEN',
      /only by role DSO/,
    );
    await expectRefused(net, () => net.submit(cast.regulator.identity, TX.Registry.RegisterAsset, [meter('m-y')]), 'FORBIDDEN');
    await expectRefused(net, () => net.submit(cast.marketOperator.identity, TX.Registry.RegisterAsset, [meter('m-y')]), 'FORBIDDEN');
    await expectRefused(net, () => net.submit(cast.unregistered, TX.Registry.RegisterAsset, [meter('m-y')]), 'FORBIDDEN', /not a registered participant/);
  });

  it('refuses a suspended participant', async () => {
    const erin = await net.participant(cast.prosumer.mspId, 'reg-erin', ['PROSUMER']);
    await net.submit(cast.admins.UtilityMSP, TX.Participants.Suspend, [{ pseudonym: erin.pseudonym }]);
    await expectRefused(net, () => net.submit(erin.identity, TX.Registry.RegisterAsset, [meter('m-erin')]), 'FORBIDDEN', /suspended/);
    await net.submit(cast.admins.UtilityMSP, TX.Participants.Reactivate, [{ pseudonym: erin.pseudonym }]);
    await net.submit(erin.identity, TX.Registry.RegisterAsset, [meter('m-erin')]);
  });

  it('walks the lifecycle by its legal transitions only, with a DSO commissioning', async () => {
    const ref = [{ assetId: 'm-1' }];
    const step = (who: { identity: Parameters<ObeNet['submit']>[0] }, fn: keyof typeof TX.Registry) => net.submit<Asset>(who.identity, TX.Registry[fn], ref);
    await expectRefused(net, () => step(cast.prosumer, 'ActivateAsset'), 'RULE_VIOLATION', /from REGISTERED to ACTIVE/);
    await expectRefused(net, () => step(cast.prosumer, 'CommissionAsset'), 'FORBIDDEN', /only a DSO/);
    await expectRefused(net, () => step(cast.consumer, 'DecommissionAsset'), 'FORBIDDEN', /only the owner/);

    const commissioned = await step(cast.dso, 'CommissionAsset');
    expect(commissioned).toMatchObject({ status: 'COMMISSIONED', commissionedBy: cast.dso.pseudonym });
    await expectRefused(net, () => step(cast.dso, 'CommissionAsset'), 'RULE_VIOLATION', /from COMMISSIONED to COMMISSIONED/);
    await expectRefused(net, () => step(cast.prosumer, 'ResumeAsset'), 'RULE_VIOLATION');
    expect((await step(cast.prosumer, 'ActivateAsset')).status).toBe('ACTIVE');

    expect((await step(cast.dso, 'SuspendAsset')).status).toBe('SUSPENDED');
    await expectRefused(net, () => step(cast.prosumer, 'ResumeAsset'), 'FORBIDDEN', /suspended by a DSO/);
    await expectRefused(net, () => step(cast.dso, 'SuspendAsset'), 'RULE_VIOLATION', /from SUSPENDED to SUSPENDED/);
    expect((await step(cast.dso, 'ResumeAsset')).status).toBe('ACTIVE');
    expect((await step(cast.prosumer, 'SuspendAsset')).status).toBe('SUSPENDED');
    expect((await step(cast.prosumer, 'ResumeAsset')).status).toBe('ACTIVE');
  });

  it('transfers ownership in two steps: the owner offers, the named participant accepts', async () => {
    const ref = [{ assetId: 'm-1' }];
    await expectRefused(net, () => net.submit(cast.consumer.identity, TX.Registry.AcceptTransfer, ref), 'RULE_VIOLATION', /no pending transfer/);
    await expectRefused(net, () => net.submit(cast.consumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'm-1', to: cast.consumer.pseudonym }]), 'FORBIDDEN');
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'm-1', to: cast.prosumer.pseudonym }]), 'RULE_VIOLATION');
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'm-1', to: `p-${'a'.repeat(40)}` }]), 'NOT_FOUND');

    const offered = await net.submit<Asset>(cast.prosumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'm-1', to: cast.consumer.pseudonym }]);
    expect(offered.pendingTransfer?.to).toBe(cast.consumer.pseudonym);
    expect(offered.owner).toBe(cast.prosumer.pseudonym);
    await expectRefused(net, () => net.submit(cast.aggregator.identity, TX.Registry.AcceptTransfer, ref), 'FORBIDDEN', /another participant/);
    await net.submit(cast.prosumer.identity, TX.Registry.CancelTransfer, ref);
    await expectRefused(net, () => net.submit(cast.consumer.identity, TX.Registry.AcceptTransfer, ref), 'RULE_VIOLATION', /no pending transfer/);

    await net.submit(cast.prosumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'm-1', to: cast.consumer.pseudonym }]);
    const accepted = await net.submit<Asset>(cast.consumer.identity, TX.Registry.AcceptTransfer, ref);
    expect(accepted).toMatchObject({ owner: cast.consumer.pseudonym, pendingTransfer: null, status: 'ACTIVE' });
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.SuspendAsset, ref), 'FORBIDDEN', /only the owner/);
  });

  it('keeps grid infrastructure with DSOs even through a transfer', async () => {
    await net.submit(cast.dso.identity, TX.Registry.OfferTransfer, [{ assetId: 'feeder-7', to: cast.prosumer.pseudonym }]);
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.AcceptTransfer, [{ assetId: 'feeder-7' }]), 'FORBIDDEN', /only by role DSO/);
  });

  it('rotates the device key of a commissioned asset only through a DSO (re-commissioning), keeping the old key in its history', async () => {
    const next = newDevice();
    const before = await net.evaluate<Asset & { registeredAt: string }>(cast.regulator.identity, TX.Registry.GetAsset, ['m-1']);
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.RotateDeviceKey, [{ assetId: 'm-1', devicePublicKey: next.publicKeyPem }]), 'FORBIDDEN');
    // The owner alone may no longer change the key of an ACTIVE meter.
    await expectRefused(net, () => net.submit(cast.consumer.identity, TX.Registry.RotateDeviceKey, [{ assetId: 'm-1', devicePublicKey: next.publicKeyPem }]), 'FORBIDDEN', /only by a DSO/);
    const rotated = await net.submit<Asset & { updatedAt: string; deviceKeys: { devicePublicKey: string; validFrom: string; validUntil: string | null; setBy: string }[] }>(
      cast.dso.identity,
      TX.Registry.RotateDeviceKey.name,
      [{ assetId: 'm-1', devicePublicKey: next.publicJwk }],
    );
    expect(rotated.devicePublicKey).toBe(next.publicKeyPem);
    expect(rotated.deviceKeys).toEqual([
      { devicePublicKey: before.devicePublicKey, validFrom: before.registeredAt, validUntil: rotated.updatedAt, setBy: 'OWNER' },
      { devicePublicKey: next.publicKeyPem, validFrom: rotated.updatedAt, validUntil: null, setBy: 'DSO' },
    ]);
    await expectRefused(net, () => net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: 'm-1', devicePublicKey: before.devicePublicKey }]), 'RULE_VIOLATION', /had this device key before/);
  });

  it('decommissions for good', async () => {
    const ref = [{ assetId: 'm-1' }];
    expect((await net.submit<Asset>(cast.consumer.identity, TX.Registry.DecommissionAsset, ref)).status).toBe('DECOMMISSIONED');
    for (const fn of ['CommissionAsset', 'ActivateAsset', 'SuspendAsset', 'ResumeAsset', 'DecommissionAsset'] as const) {
      await expectRefused(net, () => net.submit(cast.dso.identity, TX.Registry[fn], ref), 'RULE_VIOLATION', /from DECOMMISSIONED/);
    }
    await expectRefused(net, () => net.submit(cast.consumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'm-1', to: cast.prosumer.pseudonym }]), 'RULE_VIOLATION');
  });

  it('tells the history of an asset, newest first as a peer returns it', async () => {
    const history = await net.evaluate<{ txId: string; value: Asset }[]>(cast.regulator.identity, TX.Registry.GetAssetHistory, ['m-1']);
    expect(history.map((h) => h.value.status).reverse()).toEqual([
      'REGISTERED',
      'COMMISSIONED',
      'ACTIVE',
      'SUSPENDED',
      'ACTIVE',
      'SUSPENDED',
      'ACTIVE',
      'ACTIVE',
      'ACTIVE',
      'ACTIVE',
      'ACTIVE',
      'ACTIVE',
      'DECOMMISSIONED',
    ]);
    expect(history[1].value.owner).toBe(cast.consumer.pseudonym);
    expect(history[history.length - 1].value.owner).toBe(cast.prosumer.pseudonym);
    expect(new Set(history.map((h) => h.txId)).size).toBe(history.length);
    await expect(net.evaluate(cast.regulator.identity, TX.Registry.GetAssetHistory, ['nope'])).rejects.toThrow('[NOT_FOUND]');
  });

  it('lists assets by zone, owner, type and status', async () => {
    await registerAsset(net, cast.generator, cast.dso, { assetId: 'gen-1', type: 'generator', segment: 'wholesale', zone: 'north', capacityKw: 5000 });
    const list = (filter: unknown) => net.evaluate<Asset[]>(cast.retailer.identity, TX.Registry.ListAssets, [filter]);
    expect((await list({ zone: 'north' })).map((a) => a.assetId)).toEqual(['gen-1']);
    expect((await list({ owner: cast.generator.pseudonym, status: 'ACTIVE' })).map((a) => a.assetId)).toEqual(['gen-1']);
    expect((await list({ type: 'feeder' })).map((a) => a.assetId)).toEqual(['feeder-7']);
    expect((await list('')).length).toBeGreaterThanOrEqual(5);
    await expect(list({ colour: 'red' })).rejects.toThrow('[INVALID_ARGUMENT]');
  });
});
