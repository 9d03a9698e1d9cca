import type { Identity } from '@obe/fabric-embedded';
import { newDevice, type Device } from './devices';
import type { Actor, ObeNet } from './obe-net';

import { TX } from '@obe/chaincode';
export interface AssetSpec {
  assetId: string;
  type?: string;
  segment?: 'wholesale' | 'retail';
  zone?: string;
  capacityKw?: number;
  storageKwh?: number;
}

export interface Meter {
  readonly assetId: string;
  readonly zone: string;
  readonly device: Device;
  readonly owner: Actor;
}

/** Registers an asset for `owner` and takes it as far as `until` in its lifecycle, with `dso` commissioning it. */
export async function registerAsset(
  net: ObeNet,
  owner: Actor,
  dso: Actor | Identity,
  spec: AssetSpec,
  until: 'REGISTERED' | 'COMMISSIONED' | 'ACTIVE' = 'ACTIVE',
): Promise<Meter> {
  const device = newDevice();
  const zone = spec.zone ?? 'zone-a';
  const type = spec.type ?? 'meter';
  await net.submit(owner.identity, TX.Registry.RegisterAsset, [
    {
      assetId: spec.assetId,
      type,
      segment: spec.segment ?? 'retail',
      zone,
      capacityKw: spec.capacityKw ?? 10,
      ...(spec.storageKwh !== undefined ? { storageKwh: spec.storageKwh } : {}),
      devicePublicKey: device.publicKeyPem,
    },
  ]);
  const dsoIdentity = 'identity' in dso ? dso.identity : dso;
  if (until !== 'REGISTERED') await net.submit(dsoIdentity, TX.Registry.CommissionAsset, [{ assetId: spec.assetId }]);
  if (until === 'ACTIVE') await net.submit(owner.identity, TX.Registry.ActivateAsset, [{ assetId: spec.assetId }]);
  return { assetId: spec.assetId, zone, device, owner };
}
