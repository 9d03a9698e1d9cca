/**
 * Households for the demand-response suites (demand-response.test.ts here, test/adversarial/review-dr-gaming.test.ts):
 * a participant with an active, device-keyed meter, and batches of its meter's signed import readings submitted by the
 * DSO as head-end.
 */
import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { GRID, UTILITY, newDevice, signReading, type Actor, type Device } from '../support';
import type { MarketFixture } from '../market/fixture';

export interface Household extends Actor {
  meterId: string;
  device: Device;
}

/** A utility participant `name` with `role`, owning the meter `meterId` (20 kW, in `zone`) commissioned by the DSO. */
export async function drHousehold(fx: MarketFixture, name: string, role: 'CONSUMER' | 'PROSUMER', zone: string, meterId: string): Promise<Household> {
  const actor = await fx.net.participant(UTILITY, name, [role]);
  const device = newDevice();
  await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: meterId, type: 'meter', segment: 'retail', zone, capacityKw: 20, devicePublicKey: device.publicKeyPem }]);
  await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meterId }]);
  await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: meterId }]);
  return { ...actor, meterId, device };
}

/** Readings of the household's meter in one batch, [intervalStart, importedWh] (nothing exported), signed by its device. */
export function submitImports(fx: MarketFixture, h: Household, values: [number, number][]): Promise<unknown> {
  return fx.net.submit(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], {
    transient: {
      readings: JSON.stringify({
        salt: randomBytes(24).toString('hex'),
        readings: values.map(([t, importedWh]) => signReading(h.device, { assetId: h.meterId, intervalStart: t, importedWh, exportedWh: 0, sequence: t / 1000 })),
      }),
    },
    endorsingOrgs: [GRID, UTILITY],
  });
}
