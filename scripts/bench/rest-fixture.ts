import '../../gateway/src/neighbourhood-sim/quiet-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TX, type TxArgs, type TxEntry } from '@obe/chaincode';
import { call } from '../../gateway/src/ledger/call';
import { enrol } from '../../gateway/src/demo/seed';
import type { Ledger } from '../../gateway/src/ledger/port';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../gateway/src/neighbourhood-sim/embedded-gateway';
import { MeterKeyStore } from '../../gateway/src/neighbourhood-sim/meter-keys';
import { signReadings, type ReadingBatch, type ReadingInput } from '../../gateway/src/neighbourhood-sim/readings';

/** Metering starts at commissioning; a DSO may date it back at most 31 days (chaincode registry/asset.ts). */
const METERING_BACKDATE_MS = 30 * 24 * 3600_000;

/**
 * A gateway on the embedded ledger with a fleet of active meters, for the REST benchmarks. Setup goes straight to
 * the Ledger port (it is not what is measured); measurements go through HTTP or the port as each section says.
 * Readings are for distinct (meter, past interval) pairs, so no two transactions write the same keys.
 */
export const OWNER = 'bench-owner';
export const HEAD_END = 'utility-admin';
export const OPERATOR = 'gridoperator-admin';
const ZONE = 'bench-zone';
const INTERVAL_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;

/** How a batch is cut from the fleet's readings (see RestFixture.nextBatch). */
export type BatchShape = 'interval' | 'day';

export interface RestFixture {
  readonly gateway: EmbeddedGateway;
  readonly meters: readonly string[];
  /** The meters' device keys (the profile re-checks their signatures in-process). */
  readonly keys: MeterKeyStore;
  /**
   * The next `size` readings, each for a (meter, interval) never used before in this fixture: interval-major (one
   * reading per meter per batch while size ≤ meters) or meter-major ('day': whole UTC days of one meter in a row).
   */
  nextBatch(size: number, shape?: BatchShape): ReadingBatch;
  close(): Promise<void>;
}

async function submit<E extends TxEntry>(ledger: Ledger, identity: string, entry: E, args: TxArgs<E>): Promise<void> {
  await call(ledger, entry, { identity, channel: 'energy' }, args);
}

export async function startRestFixture(meterCount: number): Promise<RestFixture> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-bench-'));
  const gateway = await startEmbeddedGateway({
    dataDir,
    identities: () => [
      { label: OPERATOR, mspId: 'GridOperatorMSP', admin: true },
      { label: HEAD_END, mspId: 'UtilityMSP', admin: true },
      { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true },
      { label: OWNER, mspId: 'UtilityMSP' },
    ],
  });
  const { ledger } = gateway;
  await enrol(ledger, OPERATOR, OPERATOR, ['MARKET_OPERATOR', 'DSO']);
  await enrol(ledger, HEAD_END, HEAD_END, ['RETAILER']);
  await enrol(ledger, OWNER, HEAD_END, ['PROSUMER']);
  const keys = new MeterKeyStore();
  const meters = Array.from({ length: meterCount }, (_, i) => `bench-meter-${String(i).padStart(4, '0')}`);
  // Registration in parallel: each meter's keys are its own, so these transactions never conflict.
  const register = async (assetId: string) => {
    await submit(ledger, OWNER, TX.Registry.RegisterAsset, [
      { assetId, type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 50, devicePublicKey: keys.get(assetId).publicKeyPem },
    ]);
    // The readings below walk back from the last finished interval: the DSO dates the start of metering a month back.
    await submit(ledger, OPERATOR, TX.Registry.CommissionAsset, [{ assetId, meteringFrom: Date.now() - METERING_BACKDATE_MS }]);
    await submit(ledger, OWNER, TX.Registry.ActivateAsset, [{ assetId }]);
  };
  for (let i = 0; i < meters.length; i += 25) await Promise.all(meters.slice(i, i + 25).map(register));

  // Interval-major: walk back from the last finished interval, interval k covering every meter once; a batch no larger
  // than the fleet holds one reading per meter, as a head-end sends each quarter-hour.
  const lastEnded = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
  let cursor = 0;
  // Meter-major: whole UTC days of one meter (96 readings), as a head-end that collects daily sends them; meter m's
  // day d is used once. They start 15 days back (metering began 30 days back), clear of the interval-major walk.
  const firstDay = Math.floor(Date.now() / DAY_MS) * DAY_MS - 14 * DAY_MS;
  let dayCursor = 0;
  const intervalsPerDay = DAY_MS / INTERVAL_MS;
  const sign = (readings: ReadingInput[]) => signReadings(readings, (assetId) => keys.get(assetId).privateKey);
  return {
    gateway,
    meters,
    keys,
    nextBatch(size: number, shape: BatchShape = 'interval'): ReadingBatch {
      const readings: ReadingInput[] = [];
      for (let i = 0; i < size; i++) {
        if (shape === 'interval') {
          const meter = meters[cursor % meters.length];
          const intervalStart = lastEnded - Math.floor(cursor / meters.length) * INTERVAL_MS;
          readings.push({ assetId: meter, intervalStart, importedWh: 100 + (cursor % 900), exportedWh: cursor % 500, sequence: intervalStart / 1000 });
          cursor++;
        } else {
          const meterDay = Math.floor(dayCursor / intervalsPerDay);
          const meter = meters[meterDay % meters.length];
          const intervalStart = firstDay - (1 + Math.floor(meterDay / meters.length)) * DAY_MS + (dayCursor % intervalsPerDay) * INTERVAL_MS;
          readings.push({ assetId: meter, intervalStart, importedWh: 100 + (dayCursor % 900), exportedWh: dayCursor % 500, sequence: intervalStart / 1000 });
          dayCursor++;
        }
      }
      return sign(readings);
    },
    async close() {
      await gateway.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs task(0) … task(count - 1) with at most `concurrency` in flight (each worker takes the next index when its task
 * ends); returns the wall time in ms. A task that throws rejects the whole run.
 */
export async function inFlight(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return performance.now() - t0;
}

/** Runs `count` tasks with `concurrency` in flight; returns the wall time and each task's latency in ms. */
export async function timed(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ elapsedMs: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  const elapsedMs = await inFlight(count, concurrency, async (i) => {
    const start = performance.now();
    await task(i);
    latenciesMs.push(performance.now() - start);
  });
  return { elapsedMs, latenciesMs };
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

/** Nearest-rank percentiles, in ms with two decimals. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  const r = (v: number) => Number(v.toFixed(2));
  return { p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(sorted[sorted.length - 1] ?? NaN), samples: sorted.length };
}

/** `count` tasks with `concurrency` in flight; latencies of the ones that succeeded, failures counted with the first error. */
export async function load(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ elapsedMs: number; latenciesMs: number[]; failed: number; firstError?: string }> {
  const latenciesMs: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const elapsedMs = await inFlight(count, concurrency, async (i) => {
    const start = performance.now();
    try {
      await task(i);
      latenciesMs.push(performance.now() - start);
    } catch (err) {
      failed++;
      firstError ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  });
  return { elapsedMs, latenciesMs, failed, ...(firstError ? { firstError } : {}) };
}
