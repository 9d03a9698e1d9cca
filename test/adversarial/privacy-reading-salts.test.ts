/**
 * Issue #12, defect 7: one salt per batch, shown to every owner in it, let an owner confirm guesses of a neighbour's
 * reading against its public hash (importedWh is small, sequence guessable). Each reading now has its own salt,
 * derived in chaincode from the batch's secret and the reading's identity; an owner sees only its own reading's salt,
 * the secret is stored nowhere, and no response or event carries a salt.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../chaincode/src/common/canonical-json';
import { atTime, GRID, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, UTILITY, type Actor, type Cast, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const INTERVAL = 15 * 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;
const T = NOW - 8 * INTERVAL;


describe('defect 7: salts are per reading and shown only with their reading', () => {
  let net: ObeNet;
  let cast: Cast;
  let alice: Actor;
  let bob: Actor;
  let aliceMeter: Meter;
  let bobMeter: Meter;
  const SECRET = 'one-batch-secret-of-at-least-32-characters';
  const BOB_WH = 1377;
  let submitResult: unknown;
  const events: string[] = [];

  const reading = (meter: Meter, importedWh: number) => ({ assetId: meter.assetId, intervalStart: T, importedWh, exportedWh: 0, sequence: T / INTERVAL });

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('salt');
    alice = await net.participant(UTILITY, 'salt-alice', ['CONSUMER']);
    bob = await net.participant(UTILITY, 'salt-bob', ['CONSUMER']);
    await atTime(NOW - DAY, async () => {
      aliceMeter = await registerAsset(net, alice, cast.dso, { assetId: 'm-alice', zone: 'z-neighbours' });
      bobMeter = await registerAsset(net, bob, cast.dso, { assetId: 'm-bob', zone: 'z-neighbours' });
    });
    const stream = net.fabric.events('energy', { fromBlock: net.fabric.height('energy'), chaincode: 'obe' });
    submitResult = await net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([signReading(aliceMeter.device, reading(aliceMeter, 210)), signReading(bobMeter.device, reading(bobMeter, BOB_WH))], SECRET),
      endorsingOrgs: [GRID, REGULATOR],
    });
    for await (const event of stream) {
      events.push(event.payload.toString('utf8'));
      break;
    }
    stream.close();
  });
  afterAll(() => net.close());

  it('does not let an owner recover a neighbour’s reading from the public hash with its own salt', async () => {
    const own = await net.evaluate<{ salt: string }>(alice.identity, TX.Metering.GetReading, [aliceMeter.assetId, String(T)]);
    const bobHash = (await net.evaluate<{ hash: string }>(alice.identity, TX.Metering.GetReadingHash, [bobMeter.assetId, String(T)])).hash;
    // The attack of the issue: try every plausible value with the salt one was shown.
    let recovered: number | undefined;
    for (let wh = 0; wh <= 2000 && recovered === undefined; wh++) {
      const guess = createHash('sha256').update(`${own.salt}\n${canonicalJson(reading(bobMeter, wh))}`).digest('hex');
      if (guess === bobHash) recovered = wh;
    }
    expect(recovered).toBeUndefined();
    // Not with the batch's secret either: the secret is not the salt of any reading.
    expect(createHash('sha256').update(`${SECRET}\n${canonicalJson(reading(bobMeter, BOB_WH))}`).digest('hex')).not.toBe(bobHash);
  });

  it('shows each owner its own salt only, different for every reading, and never the batch secret', async () => {
    const a = await net.evaluate<{ salt: string }>(alice.identity, TX.Metering.GetReading, [aliceMeter.assetId, String(T)]);
    const b = await net.evaluate<{ salt: string }>(bob.identity, TX.Metering.GetReading, [bobMeter.assetId, String(T)]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.salt).not.toBe(SECRET);
    await expect(net.evaluate(alice.identity, TX.Metering.GetReading, [bobMeter.assetId, String(T)])).rejects.toThrow('[FORBIDDEN]');
    // Its own salt confirms its own hash: the fingerprint stays checkable by those who may see the reading.
    const aliceHash = (await net.evaluate<{ hash: string }>(alice.identity, TX.Metering.GetReadingHash, [aliceMeter.assetId, String(T)])).hash;
    expect(createHash('sha256').update(`${a.salt}\n${canonicalJson(reading(aliceMeter, 210))}`).digest('hex')).toBe(aliceHash);
  });

  it('puts no salt or secret into the submit’s response or event', () => {
    const text = JSON.stringify(submitResult) + events.join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/salt/i);
    expect(events).toHaveLength(1);
  });

  it('keeps duplicate detection: same secret or another one, a resubmission is a duplicate; a changed value a conflict', async () => {
    const again = (secret?: string, wh = BOB_WH) =>
      net.submit<{ accepted: number; duplicates: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
        transient: readingsTransient([signReading(bobMeter.device, reading(bobMeter, wh))], secret),
        endorsingOrgs: [GRID, REGULATOR],
      });
    expect(await again(SECRET)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await again()).toMatchObject({ accepted: 0, duplicates: 1 });
    await expect(again(SECRET, BOB_WH + 1)).rejects.toThrow('[CONFLICT]');
  });
});
