/**
 * The 10,000-order clearing and settlement on the native Fabric network (issue #14), called by the `fabric` bench
 * section (fabric.ts) and runnable alone on a running network:
 *   npx tsx scripts/bench/fabric-settlement.ts [--quick] [orders]     (JSON on stdout)
 *
 * One retail interval of the book bench/clearing.ts uses (benchOrders: half bids, half offers, crossing curves) is
 * loaded by the network's household identities (every non-admin UtilityMSP identity of the connection config: half
 * sellers with a PV asset and a meter, half buyers with a meter and minted tokens), each trader submitting its own
 * orders one after another (a bid locks its owner's balance, an offer adds to its asset's and meter's offer totals:
 * one trader's orders conflict with each other under MVCC, different traders' do not), all traders at once.
 * Then, as the market operator (gridoperator-admin):
 *  - once the gate has closed, RetailMarket:ClearInterval with the open orders' bodies in transient `orders` (from
 *    ListOpenOrderBodies on the operator's own peer), one transaction;
 *  - every trader's meter reports the interval (device-signed readings in one batch, as the DSO);
 *  - once the interval has ended, Settlement:SettleInterval, one transaction.
 * Both big transactions go through a raw @hyperledger/fabric-gateway client with long deadlines and 100 MB gRPC
 * messages, so that endorsement (proposal, chaincode on every endorsing peer) and commit (ordering, block cutting,
 * validation, ledger and private data commit) are timed apart; the envelope's read/write set is decoded for its size
 * and counts, and the block that holds the transaction is read back through qscc for its size and transaction count.
 *
 * The interval length is the network's (fixed at governance init: OBE_INTERVAL_MINUTES before up.sh; 1 minute keeps
 * the wait short). Gate closure is set to 0 minutes (at the interval's start) for the run, so the book can be placed
 * up to the start and cleared right after it, and set back afterwards. The interval is chosen after the setup, from the
 * rate the setup's own transactions achieved, so that the whole book is placed before the gate closes.
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { connect, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { TX, type TxArgs, type TxEntry, type TxTransient } from '@obe/chaincode';
import type { ClearingOrder } from '../../chaincode/src/market/clearing';
import { call } from '../../gateway/src/ledger/call';
import { enrol, initGovernance } from '../../gateway/src/demo/seed';
import { ChaincodeError } from '../../gateway/src/ledger/errors';
import { connectionConfigPath, createFabricLedger } from '../../gateway/src/ledger/fabric';
import { loadMspIdentity } from '../../gateway/src/ledger/fabric/msp-identity';
import { protos, validationCodeName } from '../../gateway/src/ledger/fabric/protos';
import { MeterKeyStore } from '../../gateway/src/neighbourhood-sim/meter-keys';
import { signReadings } from '../../gateway/src/neighbourhood-sim/readings';
import { readConnectionConfig } from '../../network/lib/fabric-client';
import { benchOrders } from './clearing';

const OPERATOR = 'gridoperator-admin';
const UTILITY_ADMIN = 'utility-admin';
const UTILITY_MSP = 'UtilityMSP';
const CHANNEL = 'energy';
const ZONE = 'fabric-bench-zone';
/** A seller places up to ~360 offers of up to 5.1 kWh in one interval; 200 MW assets deliver 3.3 MWh in a minute. */
const CAPACITY_KW = 200_000;
/** Every bid escrows price × quantity; far more than a buyer's share of the book can cost. */
const BUYER_FUNDS = 1_000_000_000;
/** gRPC messages: the open orders' bodies (~2 MB at 10,000) and the clearing's transient map exceed grpc-js's 4 MB default receive limit with margin to spare only at 100 MB, as the peers are configured (core.yaml). */
const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;
/** Longer intervals are skipped unless asked for (OBE_BENCH_FABRIC_SETTLEMENT=on): the run waits for one in real time. */
const MAX_INTERVAL_MINUTES = 5;
/** Deadlines for the two big transactions: far above Fabric's own limits, so that a Fabric limit, not the client, ends a slow one. */
const BIG_DEADLINE_MS = 300_000;

const sleepUntil = async (ms: number) => {
  while (Date.now() < ms) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, ms - Date.now() + 5)));
};

/**
 * A setup step that depends on the previous one: the submitting peer has committed it, another endorsing peer may not
 * have yet (it then refuses, e.g. NOT_FOUND for a just-registered asset). Only a refusal is retried: nothing of it
 * was written.
 */
async function settled<T>(step: () => Promise<T>, attempts = 40): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof ChaincodeError) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

interface Trader {
  label: string;
  side: 'SELL' | 'BUY';
  meterId: string;
  pvId?: string;
  orders: ClearingOrder[];
}

/** The read/write set of one endorsed transaction, decoded from its envelope. */
export interface RwsetFigures {
  envelopeBytes: number;
  rwsetBytes: number;
  publicReads: number;
  publicWrites: number;
  rangeQueries: number;
  collections: { collection: string; hashedReads: number; hashedWrites: number; hashedRwsetBytes: number }[];
}

/** `prepared`: Transaction.getBytes() of fabric-gateway, a gateway.PreparedTransaction holding the signed envelope. */
export function rwsetFigures(prepared: Uint8Array): RwsetFigures {
  const { common, peer, ledger, gateway } = protos;
  const envelope = gateway.PreparedTransaction.deserializeBinary(prepared).getEnvelope()!.serializeBinary();
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope).getPayload_asU8());
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const figures: RwsetFigures = { envelopeBytes: envelope.length, rwsetBytes: 0, publicReads: 0, publicWrites: 0, rangeQueries: 0, collections: [] };
  for (const action of tx.getActionsList()) {
    const ccPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const prp = peer.ProposalResponsePayload.deserializeBinary(ccPayload.getAction()!.getProposalResponsePayload_asU8());
    const results = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8()).getResults_asU8();
    figures.rwsetBytes += results.length;
    for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(results).getNsRwsetList()) {
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      figures.publicReads += kv.getReadsList().length;
      figures.publicWrites += kv.getWritesList().length;
      figures.rangeQueries += kv.getRangeQueriesInfoList().length;
      for (const c of ns.getCollectionHashedRwsetList()) {
        const hashed = ledger.rwset.kvrwset.HashedRWSet.deserializeBinary(c.getHashedRwset_asU8());
        figures.collections.push({
          collection: c.getCollectionName(),
          hashedReads: hashed.getHashedReadsList().length,
          hashedWrites: hashed.getHashedWritesList().length,
          hashedRwsetBytes: c.getHashedRwset_asU8().length,
        });
      }
    }
  }
  return figures;
}

/** A raw fabric-gateway client as the market operator, with 100 MB messages and long deadlines. */
function operatorConnection(configFile: string): { gateway: Gateway; close(): void } {
  const config = readConnectionConfig(configFile);
  const entry = config.identities.find((i) => i.label === OPERATOR);
  if (!entry) throw new Error(`no identity '${OPERATOR}' in the connection config`);
  const peer = config.peers[entry.mspId];
  if (!peer) throw new Error(`no peer for ${entry.mspId}`);
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(fs.readFileSync(peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': peer.hostOverride,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const { identity, signer, hash } = loadMspIdentity(entry);
  const deadline = () => ({ deadline: Date.now() + BIG_DEADLINE_MS });
  const gateway = connect({ client, identity, signer, hash, evaluateOptions: deadline, endorseOptions: deadline, submitOptions: deadline, commitStatusOptions: deadline });
  return {
    gateway,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

interface WholeTransaction {
  endorseMs: number;
  commitMs: number;
  totalMs: number;
  validationCode: string;
  blockNumber?: number;
  blockBytes?: number;
  transactionsInBlock?: number;
  rwset?: RwsetFigures;
  transientBytes: number;
  result?: unknown;
  error?: string;
}

/** Endorses and commits one transaction, timing each part; a refusal or an invalid commit is reported, not thrown. */
async function wholeTransaction(contract: Contract, qscc: Contract, fn: string, args: string[], transient: Record<string, string>): Promise<WholeTransaction> {
  const transientData = Object.fromEntries(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
  const transientBytes = Object.values(transientData).reduce((sum, v) => sum + v.length, 0);
  const e0 = performance.now();
  let endorsed;
  try {
    endorsed = await contract.newProposal(fn, { arguments: args, transientData }).endorse();
  } catch (err) {
    return { endorseMs: Math.round(performance.now() - e0), commitMs: 0, totalMs: Math.round(performance.now() - e0), validationCode: 'NOT_ENDORSED', transientBytes, error: describeError(err) };
  }
  const endorseMs = performance.now() - e0;
  let rwset: RwsetFigures | undefined;
  try {
    rwset = rwsetFigures(endorsed.getBytes());
  } catch (err) {
    process.stderr.write(`[bench fabric-settlement] read/write set not decoded: ${describeError(err)}\n`);
  }
  const c0 = performance.now();
  let status;
  try {
    const submitted = await endorsed.submit();
    status = await submitted.getStatus();
  } catch (err) {
    const commitMs = performance.now() - c0;
    return { endorseMs: Math.round(endorseMs), commitMs: Math.round(commitMs), totalMs: Math.round(endorseMs + commitMs), validationCode: 'NOT_COMMITTED', rwset, transientBytes, error: describeError(err) };
  }
  const commitMs = performance.now() - c0;
  const blockNumber = Number(status.blockNumber);
  const block = await qscc.evaluateTransaction('GetBlockByNumber', CHANNEL, String(blockNumber));
  const decoded = protos.common.Block.deserializeBinary(block);
  let result: unknown;
  try {
    result = JSON.parse(Buffer.from(endorsed.getResult()).toString('utf8'));
  } catch {
    result = undefined;
  }
  return {
    endorseMs: Math.round(endorseMs),
    commitMs: Math.round(commitMs),
    totalMs: Math.round(endorseMs + commitMs),
    validationCode: validationCodeName(status.code),
    blockNumber,
    blockBytes: block.length,
    transactionsInBlock: decoded.getData()?.getDataList().length ?? 0,
    rwset,
    transientBytes,
    result,
  };
}

function describeError(err: unknown): string {
  const e = err as { message?: string; details?: { message?: string; mspId?: string }[] };
  const details = (e.details ?? []).map((d) => `${d.mspId ?? '?'}: ${d.message ?? ''}`).join('; ');
  return `${e.message ?? String(err)}${details ? ` [${details}]` : ''}`;
}

/** Deals the book to the traders: offers to the sellers, bids to the buyers, round robin. */
function deal(book: ClearingOrder[], labels: string[], run: string): Trader[] {
  const half = Math.ceil(labels.length / 2);
  const traders: Trader[] = labels.map((label, i) => {
    const side = i < half ? 'SELL' : 'BUY';
    return { label, side, meterId: `fbs-${run}-m${i}`, pvId: side === 'SELL' ? `fbs-${run}-pv${i}` : undefined, orders: [] };
  });
  const sellers = traders.filter((t) => t.side === 'SELL');
  const buyers = traders.filter((t) => t.side === 'BUY');
  let s = 0;
  let b = 0;
  for (const order of book) {
    if (order.side === 'SELL') sellers[s++ % sellers.length].orders.push(order);
    else buyers[b++ % buyers.length].orders.push(order);
  }
  return traders;
}

export interface FabricSettlementOptions {
  quick: boolean;
  /** The connection config; default as the gateway finds it (OBE_FABRIC_CONFIG or network/native/generated). */
  configFile?: string;
  /** Book size; default 10,000 (1,000 with quick); OBE_BENCH_FABRIC_ORDERS overrides. */
  orders?: number;
  log?: (line: string) => void;
}

export async function fabricClearingSettlement(opts: FabricSettlementOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[bench fabric-settlement] ${line}\n`));
  const configFile = opts.configFile ?? connectionConfigPath(process.env);
  const envOrders = Number(process.env.OBE_BENCH_FABRIC_ORDERS ?? '');
  const orders = opts.orders ?? (Number.isInteger(envOrders) && envOrders > 0 ? envOrders : opts.quick ? 1000 : 10_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-bench-fabric-settlement-'));
  const ledger = createFabricLedger({ configFile, dataDir });
  const raw = operatorConnection(configFile);
  const contract = raw.gateway.getNetwork(CHANNEL).getContract(readConnectionConfig(configFile).chaincode ?? 'obe');
  const qscc = raw.gateway.getNetwork(CHANNEL).getContract('qscc');
  const sub = <E extends TxEntry>(identity: string, entry: E, args: TxArgs<E>, transient?: TxTransient<E>) => call(ledger, entry, { identity, channel: CHANNEL }, args, transient);
  let restoreGate: number | undefined;
  try {
    await initGovernance(ledger);
    const governance = await sub(OPERATOR, TX.Governance.GetConfig, []);
    const intervalMs = governance.config.intervalMinutes * 60_000;
    if (governance.config.intervalMinutes > MAX_INTERVAL_MINUTES && process.env.OBE_BENCH_FABRIC_SETTLEMENT !== 'on') {
      // The run waits for the interval's start and end in real time: with 15-minute intervals that is up to half an
      // hour on top of placing the book, longer than anyone should hold the machine's one network for a bench.
      return {
        skipped: `the network's intervals are ${governance.config.intervalMinutes} minutes; bring it up with OBE_INTERVAL_MINUTES=1 (or set OBE_BENCH_FABRIC_SETTLEMENT=on to wait for ${governance.config.intervalMinutes}-minute intervals)`,
      };
    }
    await enrol(ledger, OPERATOR, OPERATOR, ['MARKET_OPERATOR', 'DSO']);

    const labels = ledger
      .identities()
      .filter((i) => i.mspId === UTILITY_MSP && !i.label.endsWith('-admin'))
      .map((i) => i.label)
      .sort();
    if (labels.length < 2) return { skipped: `the connection config has ${labels.length} non-admin ${UTILITY_MSP} identities; 2 or more are needed` };
    const run = Date.now().toString(36);
    const book = benchOrders(orders);
    const traders = deal(book, labels, run);
    const keys = new MeterKeyStore();

    // Setup: roles, assets in service, buyers funded; timed to estimate the network's rate for this machine.
    const s0 = performance.now();
    let setupTransactions = 0;
    const counted = async <T>(p: Promise<T>): Promise<T> => {
      const v = await p;
      setupTransactions++;
      return v;
    };
    const pseudonyms = new Map<string, string>();
    await Promise.all(
      traders.map(async (t) => {
        pseudonyms.set(t.label, await enrol(ledger, t.label, UTILITY_ADMIN, [t.side === 'SELL' ? 'PROSUMER' : 'CONSUMER']));
        const assets: [string, 'meter' | 'pv'][] = [[t.meterId, 'meter'], ...(t.pvId ? [[t.pvId, 'pv'] as [string, 'pv']] : [])];
        for (const [assetId, type] of assets) {
          await counted(
            sub(t.label, TX.Registry.RegisterAsset, [
              { assetId, type, segment: 'retail', zone: ZONE, capacityKw: CAPACITY_KW, ...(type === 'meter' ? { devicePublicKey: keys.get(assetId).publicKeyPem } : {}) },
            ]),
          );
          await counted(settled(() => sub(OPERATOR, TX.Registry.CommissionAsset, [{ assetId }])));
          await counted(settled(() => sub(t.label, TX.Registry.ActivateAsset, [{ assetId }])));
        }
      }),
    );
    // Mints serialise on the token supply record, so the buyers are funded one after another.
    for (const t of traders.filter((x) => x.side === 'BUY')) {
      const movement = { amount: BUYER_FUNDS, salt: randomBytes(24).toString('hex') };
      await counted(settled(() => sub(OPERATOR, TX.Tokens.Mint, [{ account: pseudonyms.get(t.label)! }], { movement })));
    }
    const setupMs = performance.now() - s0;

    // A pilot: a few orders per trader for an interval a day ahead (never cleared), at the book's own concurrency. The
    // interval is placed so the whole book is in before its gate: half the pilot's rate plus a minute, and at least 60 ms
    // an order plus 90 s. The rate falls as the book grows and with the machine's other load (on this 2-core machine from
    // 30-50 to ~10 orders/s over 10,000 orders, 510-594 s in all), so the pilot alone under-estimated twice.
    const place = async (t: Trader, order: ClearingOrder, slotInterval: string) => {
      const body =
        t.side === 'SELL'
          ? { side: 'SELL' as const, price: order.price, quantityWh: order.quantity, assetId: t.pvId, meterId: t.meterId }
          : { side: 'BUY' as const, price: order.price, quantityWh: order.quantity, meterId: t.meterId };
      await sub(t.label, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval: slotInterval }], { order: { ...body, salt: randomBytes(16).toString('hex') } });
    };
    const pilotInterval = new Date(Math.ceil((Date.now() + 86_400_000) / intervalMs) * intervalMs).toISOString();
    const pilotPerTrader = Math.max(2, Math.min(10, Math.round((orders * 0.03) / traders.length)));
    const q0 = performance.now();
    await Promise.all(traders.map(async (t) => {
      for (const order of t.orders.slice(0, pilotPerTrader)) await settled(() => place(t, { ...order, quantity: 100 }, pilotInterval));
    }));
    const pilotRate = (pilotPerTrader * traders.length * 1000) / (performance.now() - q0);
    const envPlaceSeconds = Number(process.env.OBE_BENCH_FABRIC_PLACE_SECONDS ?? '');
    const placeEstimateMs = Number.isFinite(envPlaceSeconds) && envPlaceSeconds > 0 ? envPlaceSeconds * 1000 : Math.round(Math.max((orders / (pilotRate * 0.5)) * 1000 + 60_000, orders * 60 + 90_000));

    if (governance.config.gateClosureMinutes !== 0) {
      restoreGate = governance.config.gateClosureMinutes;
      await sub(OPERATOR, TX.Governance.UpdateConfig, [{ gateClosureMinutes: 0 }]);
    }
    const start = Math.ceil((Date.now() + placeEstimateMs) / intervalMs) * intervalMs;
    const interval = new Date(start).toISOString();
    log(`${traders.length} traders ready in ${Math.round(setupMs / 1000)} s; pilot ${pilotRate.toFixed(1)} orders/s; placing ${orders} orders for ${interval}`);

    // The book: one queue per trader, all at once.
    const p0 = performance.now();
    let placed = 0;
    const latencies: number[] = [];
    const progress = setInterval(() => log(`placed ${placed}/${orders} in ${Math.round((performance.now() - p0) / 1000)} s`), 30_000);
    try {
      await Promise.all(
        traders.map(async (t) => {
          for (const order of t.orders) {
            const l0 = performance.now();
            await place(t, order, interval);
            latencies.push(performance.now() - l0);
            placed++;
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
    const placeOrdersMs = Math.round(performance.now() - p0);
    if (Date.now() >= start) throw new Error(`placing ${orders} orders took ${placeOrdersMs} ms, past the interval's gate (estimate ${placeEstimateMs} ms)`);
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
    log(`book placed in ${Math.round(placeOrdersMs / 1000)} s; waiting ${Math.round((start - Date.now()) / 1000)} s for the gate`);

    // Clearing, once the gate has closed.
    await sleepUntil(start + 1000);
    const slot = JSON.stringify({ zone: ZONE, interval });
    const b0 = performance.now();
    const bodies = Buffer.from(await contract.evaluate(TX.RetailMarket.ListOpenOrderBodies.name, { arguments: [slot] })).toString('utf8');
    const listOpenOrderBodiesMs = Math.round(performance.now() - b0);
    log(`ListOpenOrderBodies: ${bodies.length} bytes in ${listOpenOrderBodiesMs} ms; clearing`);
    const clearing = await wholeTransaction(contract, qscc, TX.RetailMarket.ClearInterval.name, [slot], { salt: randomBytes(16).toString('hex'), orders: bodies });
    log(`clearing: ${clearing.validationCode} in ${clearing.totalMs} ms${clearing.error ? ` (${clearing.error})` : ''}`);
    if (restoreGate !== undefined) {
      await sub(OPERATOR, TX.Governance.UpdateConfig, [{ gateClosureMinutes: restoreGate }]);
      restoreGate = undefined;
    }

    let settlement: WholeTransaction | { skipped: string } = { skipped: 'the clearing did not commit' };
    let readingsMs: number | undefined;
    if (clearing.validationCode === 'VALID') {
      // Every trader's meter reports the interval once it has ended: full delivery of its share of the book.
      await sleepUntil(start + intervalMs + 1000);
      const r0 = performance.now();
      const readings = traders.map((t) => {
        const wh = t.orders.reduce((sum, o) => sum + o.quantity, 0);
        return { assetId: t.meterId, intervalStart: start, importedWh: t.side === 'BUY' ? wh : 0, exportedWh: t.side === 'SELL' ? wh : 0, sequence: start / 1000 };
      });
      const batch = signReadings(readings, (assetId) => keys.get(assetId).privateKey);
      await sub(OPERATOR, TX.Metering.SubmitReadings, [], { readings: { ...batch, readings: [...batch.readings] } });
      readingsMs = Math.round(performance.now() - r0);
      log('readings in; settling');
      settlement = await wholeTransaction(contract, qscc, TX.Settlement.SettleInterval.name, [JSON.stringify({ market: 'RETAIL', zone: ZONE, interval })], {
        salt: randomBytes(16).toString('hex'),
      });
      log(`settlement: ${settlement.validationCode} in ${settlement.totalMs} ms${settlement.error ? ` (${settlement.error})` : ''}`);
    }
    const cleared = clearing.result as { awardedBuyOrders?: number; awardedSellOrders?: number; price?: number | null; volumeWh?: number } | undefined;
    return {
      description: `One retail interval of ${orders} orders on the native Fabric network: the book placed by ${traders.length} traders at once, then ClearInterval and SettleInterval, each one transaction (endorsement by the network's endorsing peers + ordering, validation and commit)`,
      orders,
      traders: traders.length,
      intervalMinutes: governance.config.intervalMinutes,
      interval,
      setup: { transactions: setupTransactions, ms: Math.round(setupMs) },
      pilot: { ordersPerSecond: Number(pilotRate.toFixed(1)), placeEstimateMs },
      placeOrders: { ms: placeOrdersMs, ordersPerSecond: Number(((orders * 1000) / placeOrdersMs).toFixed(1)), latencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) } },
      listOpenOrderBodies: { ms: listOpenOrderBodiesMs, bytes: Buffer.byteLength(bodies) },
      clearing: { ...clearing, result: undefined, price: cleared?.price, volumeWh: cleared?.volumeWh, awardedOrders: (cleared?.awardedBuyOrders ?? 0) + (cleared?.awardedSellOrders ?? 0) },
      readingsMs,
      settlement: 'validationCode' in settlement ? { ...settlement, result: undefined } : settlement,
      bothValid: clearing.validationCode === 'VALID' && 'validationCode' in settlement && settlement.validationCode === 'VALID',
    };
  } finally {
    if (restoreGate !== undefined) await sub(OPERATOR, TX.Governance.UpdateConfig, [{ gateClosureMinutes: restoreGate }]).catch(() => undefined);
    raw.close();
    await ledger.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const n = args.find((a) => /^\d+$/.test(a));
  fabricClearingSettlement({ quick: args.includes('--quick'), orders: n ? Number(n) : undefined }).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
