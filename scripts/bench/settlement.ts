/**
 * Bench section "settlement": one retail interval of 1,000 (`--quick`) or 10,000 orders on the embedded runtime,
 * cleared and then settled, each as one transaction endorsed by the grid operator and the regulator, ordered,
 * validated and committed — with the whole-transaction times (endorsement + commit), the writes and whether each is
 * VALID. The channel runs 1-minute intervals with gate closure at the interval's start, so the book is placed for an
 * interval a few minutes ahead, cleared once it starts, and settled once it has ended and every trader's meter has
 * reported (device-signed readings in one batch). The sellers' assets are 75 MW so that a minute's offers fit what they
 * can deliver (ADR 0005). `fabric` is not measured here: on a network the interval passes in real time the same way,
 * but the book needs the network's own setup.
 */
import { randomBytes, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { TX } from '../../chaincode/src/catalogue';
import { readingSigningPayload } from '../../chaincode/src/metering/reading';
import { ObeNet, GRID, REGULATOR } from '../../gateway/src/ledger/embedded/obe-net';
import { benchOrders, deviceKeys, placeBook, traders, ZONE } from './clearing';

const INTERVAL_MINUTES = 1;
const INTERVAL_MS = INTERVAL_MINUTES * 60_000;

const sleepUntil = async (ms: number) => {
  while (Date.now() < ms) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, ms - Date.now() + 5)));
};

interface Timed {
  endorseMs: number;
  commitMs: number;
  totalMs: number;
  writes: number;
  validationCode: string;
}

export default async function settlementSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const orders = opts.quick ? 1000 : 10_000;
  const net = await ObeNet.start({ governance: false });
  try {
    await net.configureGovernance('energy', { intervalMinutes: INTERVAL_MINUTES, gateClosureMinutes: 0 });
    await net.configureGovernance('audit');
    const cast = await net.cast('bench');
    const { sellers, buyers } = await traders(net, cast.dso, cast.marketOperator, 75_000);
    const operator = cast.marketOperator.identity;

    // An interval far enough ahead to place the whole book before its gate (its start) closes.
    const t0 = performance.now();
    const placeEstimateMs = (opts.quick ? 30 : 240) * 1000;
    const start = Math.ceil((Date.now() + placeEstimateMs) / INTERVAL_MS) * INTERVAL_MS;
    const interval = new Date(start).toISOString();
    await placeBook(net, benchOrders(orders), sellers, buyers, interval);
    const placeOrdersMs = Math.round(performance.now() - t0);
    if (Date.now() >= start) throw new Error(`placing ${orders} orders took ${placeOrdersMs} ms, past the interval's gate; raise placeEstimateMs`);

    const run = async (request: ReturnType<typeof net.request>): Promise<Timed & { payload: Buffer }> => {
      const e0 = performance.now();
      const endorsed = await net.fabric.endorse(request);
      const endorseMs = performance.now() - e0;
      const c0 = performance.now();
      let validationCode = 'VALID';
      try {
        await net.fabric.commit(endorsed);
      } catch (err) {
        validationCode = (err as { validationCode?: string }).validationCode ?? `ERROR: ${(err as Error).message}`;
      }
      const commitMs = performance.now() - c0;
      return {
        endorseMs: Math.round(endorseMs),
        commitMs: Math.round(commitMs),
        totalMs: Math.round(endorseMs + commitMs),
        writes: endorsed.rwset.writes.length + endorsed.rwset.collections.reduce((sum, c) => sum + c.hashedWrites.length, 0),
        validationCode,
        payload: endorsed.payload,
      };
    };

    // Clearing: once the gate has closed, with the open orders' bodies supplied by the operator.
    await sleepUntil(start + 1000);
    const slot = [{ zone: ZONE, interval }];
    const bodies = (await net.fabric.evaluate({ ...net.request(operator, TX.RetailMarket.ListOpenOrderBodies, slot), org: GRID })).toString('utf8');
    const clearing = await run(
      net.request(operator, TX.RetailMarket.ClearInterval, slot, { transient: { salt: randomBytes(16).toString('hex'), orders: bodies }, endorsingOrgs: [GRID, REGULATOR] }),
    );
    const cleared = JSON.parse(clearing.payload.toString('utf8')) as { awardedBuyOrders: number; awardedSellOrders: number };

    // Every trader's meter reports the interval once it has ended; then settlement.
    await sleepUntil(start + INTERVAL_MS + 1000);
    const readings = [...sellers, ...buyers].map((trader, i) => {
      const sells = i < sellers.length;
      const reading = { assetId: trader.meterId, intervalStart: start, importedWh: sells ? 0 : 500_000, exportedWh: sells ? 500_000 : 0, sequence: start / 1000 };
      return { ...reading, signature: sign('sha256', Buffer.from(readingSigningPayload(reading), 'utf8'), deviceKeys.privateKey).toString('base64') };
    });
    await net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: { readings: JSON.stringify({ salt: randomBytes(24).toString('base64url'), readings }) },
      endorsingOrgs: [GRID, REGULATOR],
    });
    const settlement = await run(
      net.request(operator, TX.Settlement.SettleInterval, [{ market: 'RETAIL', zone: ZONE, interval }], {
        transient: { salt: randomBytes(16).toString('hex') },
        endorsingOrgs: [GRID, REGULATOR],
      }),
    );
    const strip = ({ payload: _payload, ...timed }: Timed & { payload: Buffer }) => timed;
    return {
      description: `One retail interval of ${orders} orders cleared and then settled on the embedded runtime, each as one transaction (2 endorsements + commit)`,
      orders,
      traders: sellers.length + buyers.length,
      placeOrdersMs,
      clearing: { ...strip(clearing), awardedOrders: cleared.awardedBuyOrders + cleared.awardedSellOrders, transientBytes: Buffer.byteLength(bodies) },
      settlement: strip(settlement),
      bothValid: clearing.validationCode === 'VALID' && settlement.validationCode === 'VALID',
    };
  } finally {
    await net.close();
  }
}
