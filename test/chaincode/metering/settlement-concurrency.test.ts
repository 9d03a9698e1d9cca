/**
 * Readings keep arriving while an interval is settled (docs/adr/0012-reading-runs.md). Settlement looks each meter's
 * reading up as a run of one (a point read at the interval) and, when that misses, among the runs of several readings
 * of the meter's UTC day (a range read). What a settlement in flight can rely on, on the embedded runtime and through
 * the Ledger port as the gateway submits it:
 * - a later quarter-hour of the meters' day, one reading each (runs of one), committed between the settlement's
 *   endorsement and its commit is read by neither lookup: both are valid, and the settlement's result is the one it
 *   has alone;
 * - a load profile of the same meters' day (a run of several) committed meanwhile is a phantom in the range read of a
 *   settlement that made one (its readings came in profiles): the settlement is invalidated with
 *   PHANTOM_READ_CONFLICT, and the port's submit proposes it again, which commits with the same result. A settlement
 *   whose readings were runs of one made no range read: the same profile leaves it valid.
 * Each scenario has its own zone (its own meters, orders and clearing) and settles the same interval, T.
 */
import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import type { EndorsedTx, RangeQueryInfo, TxRwSet } from '@obe/fabric-embedded';
import { KEY, timeKeyPart } from '../../../chaincode/src/common/keys';
import { readingBlock } from '../../../chaincode/src/metering/store';
import { enrol, initGovernance } from '../../../gateway/src/demo/seed';
import { call, decodePayload, parseResult, txRequest } from '../../../gateway/src/ledger/call';
import { EmbeddedLedger } from '../../../gateway/src/ledger/embedded/adapter';
import { obeNetwork } from '../../../gateway/src/ledger/embedded/obe-network';
import type { SubmitResult, TransactionRequest } from '../../../gateway/src/ledger/port';
import type { ConflictInfo, RetryInfo } from '../../../gateway/src/ledger/retry-policy';
import { DAY_MS, GRID, INTERVAL_MS, REGULATOR, UTILITY, newDevice, restoreClock, setClock, signProfile, signReading, type Device } from '../support';

const MINUTE = 60_000;
/** The grid operator's admin: market operator (settles) and DSO (commissions meters, submits readings), as in the demo. */
const OPERATOR = 'gridoperator-admin';
const SELLER = 'seller';
const BUYER = 'buyer';
/** T is 08:00 UTC tomorrow: the quarter-hours metered after it are on its UTC day, and all of it is in the future. */
const T = readingBlock(Date.now()) + DAY_MS + 8 * 60 * MINUTE;
const INTERVAL = new Date(T).toISOString();
/** The start of the interval k quarter-hours after T. */
const at = (k: number) => T + k * INTERVAL_MS;
const EXPORTED_WH = 1800;
const IMPORTED_WH = 1500;
const METERING = { identity: OPERATOR, endorsingOrgs: [GRID, UTILITY] };
const salt = () => randomBytes(24).toString('hex');

interface MeterOf {
  readonly assetId: string;
  readonly device: Device;
}

/** A zone with a seller (meter and PV) and a buyer (meter), whose orders for T cleared. */
interface Slot {
  readonly zone: string;
  readonly seller: MeterOf;
  readonly buyer: MeterOf;
  readonly sellOrder: string;
  readonly buyOrder: string;
}

const defined = <V>(v: V | undefined): v is V => v !== undefined;

/** A reading-run key as `<meter> <one|run> @<quarter-hours after T>`; undefined for any other key. */
function runLabel(key: string): string | undefined {
  const [, type, assetId, , kind, first] = key.split('\u0000');
  return type === KEY.readingRun ? `${assetId} ${kind} @${(Number(first) - T) / INTERVAL_MS}` : undefined;
}

/** A range read over a meter's reading runs as `<meter> <one|run|all> runs of <day>`; undefined for any other range. */
function rangeLabel(range: RangeQueryInfo): string | undefined {
  const [, type, assetId, block, kind] = range.startKey.split('\u0000');
  if (type !== KEY.readingRun) return undefined;
  return `${assetId} ${kind || 'all'} runs of ${block === timeKeyPart(readingBlock(T)) ? "T's day" : block}`;
}

/** What a transaction read of reading runs: keys read one by one, and ranges. */
function runReads(rwset: TxRwSet): { points: string[]; ranges: string[] } {
  return {
    points: [...new Set(rwset.reads.map((r) => runLabel(r.key)).filter(defined))].sort(),
    ranges: [...new Set(rwset.rangeQueries.map(rangeLabel).filter(defined))].sort(),
  };
}

/**
 * The public keys `writer` wrote that validation re-checks for `reader`: its point reads and the ranges it read (a
 * partial composite key range runs from its prefix to the prefix + U+10FFFF; these keys are ASCII, so string order is
 * the runtime's byte order). Empty: the writer committed first cannot invalidate the reader.
 */
function keysReadBy(reader: TxRwSet, writer: TxRwSet): string[] {
  const inRange = (key: string) => reader.rangeQueries.some((r) => key >= r.startKey && (r.endKey === '' || key < r.endKey));
  return writer.writes
    .filter((w) => reader.reads.some((r) => r.key === w.key) || inRange(w.key))
    .map((w) => runLabel(w.key) ?? w.key)
    .sort();
}

describe('settling an interval while meter readings keep arriving (embedded runtime, Ledger port)', () => {
  let ledger: EmbeddedLedger;
  const conflicts: ConflictInfo[] = [];
  const retries: RetryInfo[] = [];
  const slots = new Map<string, Slot>();

  async function asset(owner: string, assetId: string, zone: string, device?: Device): Promise<void> {
    const body = { assetId, type: device ? 'meter' : 'pv', segment: 'retail', zone, capacityKw: 50, ...(device ? { devicePublicKey: device.publicKeyPem } : {}) } as const;
    await call(ledger, TX.Registry.RegisterAsset, { identity: owner }, [body]);
    await call(ledger, TX.Registry.CommissionAsset, { identity: OPERATOR }, [{ assetId }]);
    await call(ledger, TX.Registry.ActivateAsset, { identity: owner }, [{ assetId }]);
  }

  /** Meters, PV and a SELL and a BUY order of 2000 Wh for T in a zone of its own; cleared later, all zones together. */
  async function openSlot(zone: string): Promise<Slot> {
    const seller = { assetId: `${zone}-sm`, device: newDevice() };
    const buyer = { assetId: `${zone}-bm`, device: newDevice() };
    const pv = `${zone}-pv`;
    await asset(SELLER, seller.assetId, zone, seller.device);
    await asset(SELLER, pv, zone);
    await asset(BUYER, buyer.assetId, zone, buyer.device);
    const sell = await call(ledger, TX.RetailMarket.PlaceOrder, { identity: SELLER }, [{ zone, interval: INTERVAL }], {
      order: { side: 'SELL', price: 10, quantityWh: 2000, assetId: pv, meterId: seller.assetId, salt: salt() },
    });
    const buy = await call(ledger, TX.RetailMarket.PlaceOrder, { identity: BUYER }, [{ zone, interval: INTERVAL }], {
      order: { side: 'BUY', price: 30, quantityWh: 2000, meterId: buyer.assetId, salt: salt() },
    });
    return { zone, seller, buyer, sellOrder: sell.orderId, buyOrder: buy.orderId };
  }

  /** Quarter-hour k of both meters, one reading each, signed alone: the same values every quarter-hour. */
  const quarterHour = (s: Slot, k: number) => [
    signReading(s.seller.device, { assetId: s.seller.assetId, intervalStart: at(k), importedWh: 0, exportedWh: EXPORTED_WH, sequence: at(k) / 1000 }),
    signReading(s.buyer.device, { assetId: s.buyer.assetId, intervalStart: at(k), importedWh: IMPORTED_WH, exportedWh: 0, sequence: at(k) / 1000 }),
  ];
  /** One signed load profile per meter over quarter-hours ks (consecutive), with quarterHour's values. */
  const profiles = (s: Slot, ks: readonly number[]) =>
    [
      { meter: s.seller, importedWh: 0, exportedWh: EXPORTED_WH },
      { meter: s.buyer, importedWh: IMPORTED_WH, exportedWh: 0 },
    ].map(({ meter, importedWh, exportedWh }) =>
      signProfile(meter.device, { assetId: meter.assetId, readings: ks.map((k) => ({ intervalStart: at(k), importedWh, exportedWh, sequence: at(k) / 1000 })) }),
    );
  /** A head-end's interval-major batch: quarter-hour k of the zone's meters, a run of one each. */
  const intervalMajor = (s: Slot, k: number) => txRequest(TX.Metering.SubmitReadings, METERING, [], { readings: { salt: salt(), readings: quarterHour(s, k) } });
  /** A batch of load profiles over quarter-hours ks: a run of several readings per meter. */
  const loadProfiles = (s: Slot, ks: readonly number[]) => txRequest(TX.Metering.SubmitProfiles, METERING, [], { profiles: { salt: salt(), profiles: profiles(s, ks) } });

  /** T's readings of the zone's meters, stored as runs of one (interval by interval) or in profiles of T-1 and T. */
  async function meterT(s: Slot, stored: 'one' | 'profile'): Promise<void> {
    const request = stored === 'one' ? intervalMajor(s, 0) : loadProfiles(s, [-1, 0]);
    expect(decodePayload((await ledger.submit(request)).payload)).toMatchObject({ accepted: 2 * (stored === 'one' ? 1 : 2), duplicates: 0 });
  }

  /** The settlement of T in the zone; the same request (same salt) settles to the same records whenever it runs. */
  const settlement = (s: Slot) =>
    txRequest(TX.Settlement.SettleInterval, { identity: OPERATOR, endorsingOrgs: [GRID, REGULATOR] }, [{ market: 'RETAIL', zone: s.zone, interval: INTERVAL }], { salt: salt() });
  const summaryOf = (payload: Uint8Array) => parseResult(TX.Settlement.SettleInterval, decodePayload(payload));
  /** What the settlement answers with nothing in flight: simulated on the operator's peer, nothing ordered. */
  const alone = async (request: TransactionRequest) => summaryOf(await ledger.evaluate(request));
  /** Everything of a summary but the transaction that made it. */
  const outcome = ({ settlementTxId: _txId, ...rest }: ReturnType<typeof summaryOf>) => rest;

  /** The public read-write set a committed transaction has in its block. */
  function rwsetOf(result: SubmitResult): TxRwSet {
    const tx = ledger.runtime.block('energy', result.blockNumber).transactions.find((t) => t.txId === result.txId);
    if (!tx) throw new Error(`no transaction ${result.txId} in block ${result.blockNumber}`);
    return tx.rwset;
  }

  /**
   * Submits `settle` through the port with `batch` endorsed and committed in the window between the settlement's
   * endorsement and its ordering, where on Fabric readings keep arriving. The adapter's startSubmit endorses and then
   * hands the endorsed transaction to runtime.commit; that call waits, once, for the batch's whole submit. A retry the
   * port makes goes straight through.
   */
  async function settleWhile(settle: TransactionRequest, batch: TransactionRequest) {
    const runtime = ledger.runtime;
    const order = runtime.commit.bind(runtime);
    const seen: { first?: EndorsedTx; batch?: SubmitResult } = {};
    const hold = jest.spyOn(runtime, 'commit').mockImplementationOnce(async (endorsed) => {
      if (endorsed.fn !== settle.fn) throw new Error(`the window opened for ${endorsed.fn}, not the settlement`);
      seen.first = endorsed;
      seen.batch = await ledger.submit(batch);
      return order(endorsed);
    });
    const started: string[] = [];
    const retried: string[] = [];
    try {
      const result = await ledger.submit(settle, { started: (p) => void started.push(p.txId), retrying: (p) => void retried.push(p.txId) });
      const { first, batch: committed } = seen;
      if (!first || !committed) throw new Error('the settlement was never ordered through the window');
      return { result, summary: summaryOf(result.payload), started, retried, first, batch: committed };
    } finally {
      hold.mockRestore();
    }
  }

  const statusOf = (txId: string) => ledger.runtime.txStatus('energy', txId);
  /** The settled records' delivered Wh, as the market operator reads their details. */
  async function delivered(s: Slot): Promise<{ sell: unknown; buy: unknown }> {
    const record = (orderId: string) =>
      call(ledger, TX.Settlement.GetRecord, { identity: OPERATOR }, [{ market: 'RETAIL', zone: s.zone, interval: INTERVAL, orderId }]);
    const [sell, buy] = await Promise.all([record(s.sellOrder), record(s.buyOrder)]);
    return { sell: sell.details?.deliveredWh, buy: buy.details?.deliveredWh };
  }

  beforeAll(async () => {
    ledger = await EmbeddedLedger.open({
      network: obeNetwork(),
      identities: [
        { label: OPERATOR, mspId: GRID, admin: true },
        { label: 'utility-admin', mspId: UTILITY, admin: true },
        { label: SELLER, mspId: UTILITY },
        { label: BUYER, mspId: UTILITY },
      ],
      hooks: { onConflict: (c) => conflicts.push(c), onRetry: (r) => retries.push(r) },
    });
    // Orders before T's gate closure (5 minutes before T), clearing after it; metering starts at commissioning, before T-1.
    setClock(T - 30 * MINUTE);
    await initGovernance(ledger);
    await enrol(ledger, OPERATOR, OPERATOR, ['MARKET_OPERATOR', 'DSO']);
    await enrol(ledger, SELLER, 'utility-admin', ['PROSUMER']);
    const buyer = await enrol(ledger, BUYER, 'utility-admin', ['CONSUMER']);
    await call(ledger, TX.Tokens.Mint, { identity: OPERATOR }, [{ account: buyer }], { movement: { amount: 1_000_000, salt: salt() } });
    for (const name of ['a-one', 'a-profile', 'b-profile', 'b-one']) slots.set(name, await openSlot(`sc-${name}`));
    setClock(T - 4 * MINUTE);
    for (const s of slots.values()) {
      await call(ledger, TX.RetailMarket.ClearInterval, { identity: OPERATOR, endorsingOrgs: [GRID, REGULATOR] }, [{ zone: s.zone, interval: INTERVAL }], { salt: salt() });
    }
    // From here the clock stands after T+3 ended: every reading below may be submitted, and T may be settled. It does
    // not move, so a settlement simulated alone and the one committed carry the same settledAt.
    setClock(at(4) + MINUTE);
    expect(readingBlock(at(3))).toBe(readingBlock(at(-1)));
  });
  beforeEach(() => {
    conflicts.length = 0;
    retries.length = 0;
  });
  afterAll(async () => {
    restoreClock();
    await ledger?.close();
  });

  describe('(a) a later quarter-hour of the same meters\u2019 day, one reading each, committed between endorsement and commit', () => {
    it.each([
      { stored: 'one' as const, how: 'each a run of one (sent interval by interval)' },
      { stored: 'profile' as const, how: 'in load profiles (runs of several)' },
    ])('does not invalidate the settlement, whose result is the one it has alone: readings of T stored $how', async ({ stored }) => {
      const s = slots.get(`a-${stored}`)!;
      const ranges = stored === 'one' ? [] : [`${s.buyer.assetId} run runs of T's day`, `${s.seller.assetId} run runs of T's day`];
      await meterT(s, stored);
      const settle = settlement(s);
      const expected = await alone(settle);
      const run = await settleWhile(settle, intervalMajor(s, 2));

      // Both valid, the batch committed first, the settlement on its first proposal.
      expect(statusOf(run.batch.txId)?.validationCode).toBe('VALID');
      expect(statusOf(run.result.txId)?.validationCode).toBe('VALID');
      expect(run.batch.blockNumber).toBeLessThan(run.result.blockNumber);
      expect(run.started).toEqual([run.first.txId]);
      expect(run.result.txId).toBe(run.first.txId);
      expect({ conflicts, retries, retried: run.retried }).toEqual({ conflicts: [], retries: [], retried: [] });

      // Why: the settlement point-read the run of one at T (a miss when T's readings came in profiles, which it then
      // found with a range read over the day's runs of several); the batch wrote runs of one at T+2, in neither.
      expect(runReads(run.first.rwset)).toEqual({ points: [`${s.buyer.assetId} one @0`, `${s.seller.assetId} one @0`], ranges });
      const batch = rwsetOf(run.batch);
      expect(batch.writes.map((w) => runLabel(w.key)).filter(defined).sort()).toEqual([`${s.buyer.assetId} one @2`, `${s.seller.assetId} one @2`]);
      expect(keysReadBy(run.first.rwset, batch)).toEqual([]);

      expect(run.summary.settlementTxId).toBe(run.result.txId);
      expect(outcome(run.summary)).toEqual(outcome(expected));
      expect(run.summary).toMatchObject({ recordCount: 2, readingsComplete: true });
      expect(await delivered(s)).toEqual({ sell: EXPORTED_WH, buy: IMPORTED_WH });
    });
  });

  describe('(b) a load profile of the same meters later on the same UTC day, committed between endorsement and commit', () => {
    it('invalidates a settlement that found its readings among the day\u2019s runs of several (PHANTOM_READ_CONFLICT); the port proposes it again and it commits with the result it has alone', async () => {
      const s = slots.get('b-profile')!;
      await meterT(s, 'profile');
      const settle = settlement(s);
      const expected = await alone(settle);
      const run = await settleWhile(settle, loadProfiles(s, [2, 3]));

      // The first proposal is invalid in the block after the batch's: a phantom in its range read over the day's runs
      // of several readings of each meter, where the profile added a run starting at T+2.
      const batch = rwsetOf(run.batch);
      expect(statusOf(run.batch.txId)?.validationCode).toBe('VALID');
      expect(statusOf(run.first.txId)).toMatchObject({ validationCode: 'PHANTOM_READ_CONFLICT', blockNumber: run.batch.blockNumber + 1 });
      expect(runReads(run.first.rwset)).toEqual({
        points: [`${s.buyer.assetId} one @0`, `${s.seller.assetId} one @0`],
        ranges: [`${s.buyer.assetId} run runs of T's day`, `${s.seller.assetId} run runs of T's day`],
      });
      expect(keysReadBy(run.first.rwset, batch)).toEqual([`${s.buyer.assetId} run @2`, `${s.seller.assetId} run @2`]);
      expect(conflicts).toEqual([{ fn: TX.Settlement.SettleInterval.name, channel: 'energy', txId: run.first.txId, validationCode: 'PHANTOM_READ_CONFLICT' }]);
      expect(retries).toEqual([expect.objectContaining({ fn: TX.Settlement.SettleInterval.name, step: 'commit', action: 'new-proposal', attempt: 1, txId: run.first.txId })]);
      expect(run.retried).toEqual([run.first.txId]);

      // The new proposal (a new txId) committed, and the settlement on the ledger is its: the invalid one wrote nothing.
      expect(run.started).toEqual([run.first.txId, run.result.txId]);
      expect(statusOf(run.result.txId)?.validationCode).toBe('VALID');
      expect(run.result.blockNumber).toBeGreaterThan(run.batch.blockNumber + 1);
      expect(run.summary.settlementTxId).toBe(run.result.txId);
      const onLedger = await call(ledger, TX.Settlement.GetSettlement, { identity: OPERATOR }, [{ market: 'RETAIL', zone: s.zone, interval: INTERVAL }]);
      expect(onLedger.settlementTxId).toBe(run.result.txId);
      expect(outcome(run.summary)).toEqual(outcome(expected));
      expect(outcome(summaryOf(run.first.payload))).toEqual(outcome(expected));
      expect(run.summary).toMatchObject({ recordCount: 2, readingsComplete: true });
      expect(await delivered(s)).toEqual({ sell: EXPORTED_WH, buy: IMPORTED_WH });
    });

    it('leaves a settlement valid whose readings were runs of one: it point-read them and read no range the profile wrote into', async () => {
      const s = slots.get('b-one')!;
      await meterT(s, 'one');
      const settle = settlement(s);
      const expected = await alone(settle);
      const run = await settleWhile(settle, loadProfiles(s, [2, 3]));

      expect(statusOf(run.batch.txId)?.validationCode).toBe('VALID');
      expect(statusOf(run.result.txId)?.validationCode).toBe('VALID');
      expect(run.started).toEqual([run.first.txId]);
      expect({ conflicts, retries }).toEqual({ conflicts: [], retries: [] });
      expect(runReads(run.first.rwset)).toEqual({ points: [`${s.buyer.assetId} one @0`, `${s.seller.assetId} one @0`], ranges: [] });
      expect(keysReadBy(run.first.rwset, rwsetOf(run.batch))).toEqual([]);
      expect(outcome(run.summary)).toEqual(outcome(expected));
      expect(await delivered(s)).toEqual({ sell: EXPORTED_WH, buy: IMPORTED_WH });
    });
  });
});
