/**
 * Review R3 of #17 (green certificates): attacks on the rules that move certificates, on the embedded runtime.
 *
 * A certificate stands for the energy of one device-signed reading. When the DSO later declares the meter's key
 * compromised since before that interval, the reading stops counting (metering/trust.ts): GetReading shows it voided
 * and settlement treats it as missing. The certificate issued from it must stop counting too — not transferable, not
 * claimable, not moved by a settlement — otherwise whoever stole the key keeps green energy that was never metered.
 */
import { GRID, REGULATOR, UTILITY, expectRefused, newDevice } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

import { TX } from '@obe/chaincode';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

interface LotView {
  lot: { lotId: string; status: string };
  details: { owner: string; quantityWh: number };
}

describe('review R3: a certificate whose reading is voided by a key-compromise declaration', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let consumer: Trader;
  let start: number;
  let interval: string;

  const lots = (t: Trader) => fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }]);
  const transfer = (t: Trader, lotId: string, to: string, quantityWh: number) =>
    fx.net.submit(t.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ zone: ZONE, interval, lotId, to, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  const claim = (t: Trader, lotIds: string[], quantityWh: number) =>
    fx.net.submit(t.identity, TX.Certificates.Claim, [], {
      transient: { claim: JSON.stringify({ zone: ZONE, interval, lotIds, meterId: t.meterId, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });

  beforeAll(async () => {
    start = Math.floor(Date.now() / INTERVAL) * INTERVAL + 4 * INTERVAL;
    interval = new Date(start).toISOString();
    setClock(start - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: 600 });
    producer = await fx.prosumer('r3-producer');
    consumer = await fx.consumer('r3-consumer');
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start, 0, 1200);
    await fx.reading(consumer.meterId, start, 900, 0);
    await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    const [lot] = await lots(producer);
    await transfer(producer, lot.lot.lotId, consumer.pseudonym, 1000);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('can be claimed while the reading counts (the refusal below is not for another reason)', async () => {
    const [mine] = await lots(consumer);
    expect(mine.details.quantityWh).toBe(1000);
    // A dry run: endorsement succeeds; it is never committed.
    await expect(
      fx.net.endorse(consumer.identity, TX.Certificates.Claim, [], {
        transient: { claim: JSON.stringify({ zone: ZONE, interval, lotIds: [mine.lot.lotId], meterId: consumer.meterId, quantityWh: 500, salt: salt() }) },
        endorsingOrgs: [GRID, UTILITY],
      }),
    ).resolves.toBeDefined();
  });

  it('is neither claimable nor transferable once the producer meter’s key is declared compromised since before the interval', async () => {
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: producer.meterId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: start - 10 * MINUTE }]);
    const [mine] = await lots(consumer);
    await expectRefused(fx.net, () => claim(consumer, [mine.lot.lotId], 500), 'RULE_VIOLATION', /compromised|no longer counts/);
    const [rest] = await lots(producer);
    await expectRefused(fx.net, () => transfer(producer, rest.lot.lotId, consumer.pseudonym, 100), 'RULE_VIOLATION', /compromised|no longer counts/);
    await expectRefused(fx.net, () => transfer(consumer, mine.lot.lotId, producer.pseudonym, 100), 'RULE_VIOLATION', /compromised|no longer counts/);
  });
});
