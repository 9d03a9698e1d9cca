import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { TX, type TxArgs, type TxEntry, type TxResult, type TxTransient } from '@obe/chaincode';
import { writeFileAtomic } from '../common/atomic-file';
import { decodePayload, txRequest, typedResult } from '../ledger/call';
import { ChaincodeError } from '../ledger/errors';
import type { Ledger } from '../ledger/port';
import { CertificateDuty, type CertificateDutyStatus, type DutyGovernance } from './certificate-duty';
import { OperatorAgentMetrics } from './metrics';

/**
 * The market operator agent: runs in the market operator's gateway and makes the market go round without anyone
 * calling /clear or /settle. Every tick (a few seconds) it
 *  1. reads governance (interval length, gate closure, settlement deadline) from the ledger;
 *  2. finds the slots whose gate has closed since the last tick — retail: every zone of the registry's retail meters
 *     (read once per interval, at its gate closure); wholesale: SYSTEM, from the day-ahead gate up to a horizon
 *     before delivery — and follows each through its jobs:
 *       clear   → cleared already? done. No open order bodies? nothing to do. Else ClearInterval with the bodies.
 *       settle  → after the interval ends: a dry run of SettleInterval (an evaluation on the operator's own peer) says
 *                 whether every awarded meter has reported; when it passes, or once the governance deadline has
 *                 passed, SettleInterval is submitted.
 *       publish → (retail zones) once every active meter of the zone reported, or at the deadline: PublishZoneTotal.
 *       attest  → after settlement: watches the audit channel until the relay's attestation is there (its lag).
 *       issue   → (retail zones, certificate duties on) green certificates of the interval, before it is settled;
 *                 seal: each zone-interval with certificates once its claim window has passed (certificate-duty.ts).
 *  3. reports metrics, logs and a status.
 *
 * Restart-safe: everything is derived from the ledger (results, settlements, attestations, zone totals, governance).
 * The only local file, `operator-agent.json`, is a checkpoint for efficiency (the first interval not yet done): without
 * it the agent looks back as far as an interval can still be settled (the deadline) or governance's first version.
 * Never double-acts harmfully: the chaincode refuses a second clear or settle (CONFLICT ALREADY_CLEARED/SETTLED), which
 * the agent counts as `already`, not as a failure; so two instances can run at once (each does what it wins).
 */

export type Market = 'RETAIL' | 'WHOLESALE';
export type Stage = 'clear' | 'settle' | 'publish' | 'attest' | 'issue' | 'seal';
const STAGES: readonly Stage[] = ['clear', 'settle', 'publish', 'attest', 'issue', 'seal'];
const SYSTEM = 'SYSTEM';
const DAY_MS = 86_400_000;
/** The wholesale day-ahead gate: noon UTC the day before delivery (chaincode/src/market/wholesale/rules.ts). */
const DAY_AHEAD_GATE_MS = 12 * 3600_000;
/** How long the agent watches for a settled slot's attestation before it stops looking (a relay may be off). */
const ATTEST_WATCH_MS = 3600_000;

export interface OperatorAgentOptions {
  ledger: Ledger;
  /** Label of the market operator identity it acts as (a participant holding MARKET_OPERATOR). */
  identity: string;
  logger: Logger;
  /** Where the checkpoint is kept; none: memory only. */
  dataDir?: string;
  /** The registry /metrics serves (default: a registry of its own). */
  registry?: Registry;
  /** Pause between ticks (default 2 s). */
  tickMs?: number;
  /** First re-check of a job that is not ready yet (readings pending); doubles up to maxRetryMs (default 5 s / 5 min). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Ledger calls per tick at most; the rest waits for the next tick (default 200). */
  maxCallsPerTick?: number;
  /**
   * Wholesale intervals are cleared once their day-ahead gate has passed and they start within this horizon (default 0:
   * at delivery start, once retail residuals — accepted until the interval starts — can no longer enter; see
   * docs/demand-response.md, Coupling). OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES.
   */
  wholesaleHorizonMs?: number;
  /** The certificate duties (issue before settling, seal after the claim window; default on). OBE_OPERATOR_CERTIFICATES. */
  certificates?: boolean;
  /**
   * Margin after a gate closure before the agent looks at the book (default 1 s): a transaction's time is its
   * proposal's, so a client whose clock is a little behind ours may still place an order just after our gate time.
   */
  skewMs?: number;
  /** The wall clock (tests may replace it). */
  now?: () => number;
  channel?: string;
  auditChannel?: string;
}

interface Job {
  readonly stage: Stage;
  readonly market: Market;
  readonly zone: string;
  readonly interval: string;
  readonly startMs: number;
  /** When the job became due (gate closure, interval end, settlement), for the lag. */
  dueAt: number;
  nextAt: number;
  backoff: number;
  attempts: number;
}

export interface OperatorAction {
  at: string;
  action: Stage;
  market: Market;
  zone: string;
  interval: string;
  outcome: string;
  txId?: string;
  message?: string;
}

export interface OperatorStatus {
  enabled: boolean;
  state: 'starting' | 'running' | 'idle' | 'stopped';
  identity: string;
  reason?: string;
  lastTickAt?: string;
  lastError?: string;
  governance?: { intervalMinutes: number; gateClosureMinutes: number; settlementDeadlineMinutes: number };
  zones: string[];
  checkpoint?: string;
  pending: Record<Stage, number>;
  lagSeconds: Record<Stage, number>;
  totals: { cleared: number; settled: number; published: number; already: number; failures: number };
  recent: OperatorAction[];
  /** The certificate duties (certificate-duty.ts): whether this org may issue, the seal cursor, totals. */
  certificates: CertificateDutyStatus | { enabled: false };
}

interface Governance extends DutyGovernance {
  intervalMs: number;
  gateClosureMs: number;
  deadlineMs: number;
  raw: { intervalMinutes: number; gateClosureMinutes: number; settlementDeadlineMinutes: number };
}

/** A chaincode refusal's code and text, or undefined for anything else (ledger down, conflicts after retries). */
function refusalOf(err: unknown): { code: string; message: string } | undefined {
  return err instanceof ChaincodeError && err.code ? { code: err.code, message: err.message } : undefined;
}

const isAlready = (err: unknown) => {
  const r = refusalOf(err);
  return r?.code === 'CONFLICT' && /already (cleared|settled)/.test(r.message);
};

const newSalt = () => crypto.randomBytes(24).toString('base64url');

export class OperatorAgent {
  readonly metrics: OperatorAgentMetrics;
  readonly #o: Required<Omit<OperatorAgentOptions, 'dataDir' | 'registry'>> & { dataDir?: string };
  readonly #certs: CertificateDuty | undefined;
  #firstGovernanceMs: number | undefined;
  readonly #file: string | undefined;
  readonly #jobs = new Map<string, Job>();
  #zones = new Map<string, number>();
  #zonesAt = -1;
  #retailCursor: number | undefined;
  #wholesaleCursor: number | undefined;
  #floor: number | undefined;
  #governance: Governance | undefined;
  #state: OperatorStatus['state'] = 'starting';
  #reason: string | undefined;
  #lastTickAt: number | undefined;
  #lastError: string | undefined;
  #checkpoint: number | undefined;
  #roleCheckedAt = -Infinity;
  #calls = 0;
  readonly #recent: OperatorAction[] = [];
  readonly #totals = { cleared: 0, settled: 0, published: 0, already: 0, failures: 0 };
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(options: OperatorAgentOptions) {
    this.#o = {
      tickMs: 2000,
      retryMs: 5000,
      maxRetryMs: 300_000,
      maxCallsPerTick: 200,
      wholesaleHorizonMs: 0,
      certificates: true,
      skewMs: 1000,
      now: () => Date.now(),
      channel: 'energy',
      auditChannel: 'audit',
      ...options,
    };
    this.metrics = new OperatorAgentMetrics(options.registry);
    this.#file = options.dataDir ? path.join(options.dataDir, 'operator-agent.json') : undefined;
    this.#checkpoint = this.#readCheckpoint();
    this.#certs = this.#o.certificates
      ? new CertificateDuty({
          calls: { evaluate: (entry, args, transient) => this.#evaluate(entry, args, transient), submit: (entry, args, transient) => this.#submit(entry, args, transient), budgetLeft: () => this.#o.maxCallsPerTick - this.#calls },
          identity: this.#o.identity,
          logger: this.#o.logger,
          metrics: this.metrics,
          record: (action, zone, interval, outcome, extra) => this.#recordAction({ action, market: 'RETAIL', zone, interval }, outcome, extra),
          ...(this.#o.dataDir ? { dataDir: this.#o.dataDir } : {}),
          skewMs: this.#o.skewMs,
        })
      : undefined;
  }

  start(): void {
    if (this.#running) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
    this.#state = 'stopped';
  }

  status(): OperatorStatus {
    const now = this.#o.now();
    const pending = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
    const lag = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
    for (const job of this.#jobs.values()) {
      pending[job.stage]++;
      if (job.dueAt <= now) lag[job.stage] = Math.max(lag[job.stage], Math.round((now - job.dueAt) / 1000));
    }
    if (this.#certs && this.#governance) {
      const seal = this.#certs.sealBacklog(now, this.#governance);
      pending.seal = seal.pending;
      lag.seal = seal.lagSeconds;
    }
    return {
      enabled: true,
      state: this.#state,
      identity: this.#o.identity,
      ...(this.#reason ? { reason: this.#reason } : {}),
      ...(this.#lastTickAt === undefined ? {} : { lastTickAt: new Date(this.#lastTickAt).toISOString() }),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      ...(this.#governance ? { governance: this.#governance.raw } : {}),
      zones: [...this.#zones.keys()].sort(),
      ...(this.#checkpoint === undefined ? {} : { checkpoint: new Date(this.#checkpoint).toISOString() }),
      pending,
      lagSeconds: lag,
      totals: { ...this.#totals },
      recent: [...this.#recent],
      certificates: this.#certs ? this.#certs.status() : { enabled: false },
    };
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let more = false;
      try {
        more = await this.tick();
        this.#lastError = undefined;
      } catch (err) {
        this.metrics.ticks.inc({ outcome: 'error' });
        this.#lastError = err instanceof Error ? err.message : String(err);
        this.#o.logger.warn({ err }, 'operator agent tick failed; retrying on the next tick');
      }
      if (this.#stopped) break;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, more ? 10 : this.#o.tickMs).unref();
      });
    }
  }

  /** One pass; answers true when the call budget ran out with due jobs left (the loop then ticks again at once). */
  async tick(): Promise<boolean> {
    const now = this.#o.now();
    this.#calls = 0;
    if (!(await this.#isOperator(now))) {
      this.metrics.ticks.inc({ outcome: 'idle' });
      return false;
    }
    const gov = await this.#readGovernance();
    await this.#discover(now, gov);
    const due = [...this.#jobs.values()].filter((j) => j.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt || a.startMs - b.startMs);
    let left = false;
    for (const job of due) {
      if (this.#stopped || this.#state !== 'running') break;
      if (this.#calls >= this.#o.maxCallsPerTick) {
        left = true;
        break;
      }
      await this.#run(job, now, gov);
    }
    if (this.#certs && !this.#stopped && this.#state === 'running' && this.#calls < this.#o.maxCallsPerTick) await this.#sealDue(now, gov);
    this.#report(now);
    this.#saveCheckpoint();
    this.#lastTickAt = now;
    this.metrics.ticks.inc({ outcome: 'ok' });
    return left;
  }

  // ---- ledger calls -------------------------------------------------------------------------------------------

  async #evaluate<E extends TxEntry>(entry: E, args: TxArgs<E>, transient?: TxTransient<E>, channel = this.#o.channel): Promise<TxResult<E>> {
    this.#calls++;
    const payload = await this.#o.ledger.evaluate(txRequest(entry, { identity: this.#o.identity, channel }, args, transient));
    return typedResult(entry, decodePayload(payload));
  }

  async #submit<E extends TxEntry>(entry: E, args: TxArgs<E>, transient?: TxTransient<E>): Promise<{ txId: string; result: TxResult<E> }> {
    this.#calls++;
    const done = await this.#o.ledger.submit(txRequest(entry, { identity: this.#o.identity, channel: this.#o.channel }, args, transient));
    return { txId: done.txId, result: typedResult(entry, decodePayload(done.payload)) };
  }

  /** Whether this identity is a participant holding MARKET_OPERATOR (re-checked every 10 s while it is not). */
  async #isOperator(now: number): Promise<boolean> {
    if (this.#state === 'running') return true;
    if (now - this.#roleCheckedAt < 10_000) return false;
    this.#roleCheckedAt = now;
    const me = await this.#evaluate(TX.Participants.WhoAmI, []);
    if (!(me.effectiveRoles ?? me.participant?.roles ?? []).includes('MARKET_OPERATOR')) {
      this.#state = 'idle';
      this.#reason = `${this.#o.identity} is not a participant holding MARKET_OPERATOR on ${this.#o.channel}; checking again in 10 s`;
      return false;
    }
    this.#state = 'running';
    this.#reason = undefined;
    this.#o.logger.info({ identity: this.#o.identity }, 'market operator agent running');
    return true;
  }

  async #readGovernance(): Promise<Governance> {
    const { config } = await this.#evaluate(TX.Governance.GetConfig, []);
    const raw = { intervalMinutes: config.intervalMinutes, gateClosureMinutes: config.gateClosureMinutes, settlementDeadlineMinutes: config.settlementDeadlineMinutes };
    this.#governance = {
      intervalMs: raw.intervalMinutes * 60_000,
      gateClosureMs: raw.gateClosureMinutes * 60_000,
      deadlineMs: raw.settlementDeadlineMinutes * 60_000,
      raw,
      ...(config.certificateClaimWindowMinutes === undefined ? {} : { claimWindowMinutes: config.certificateClaimWindowMinutes }),
      ...(config.certificateIssuerMspId === undefined ? {} : { certificateIssuerMspId: config.certificateIssuerMspId }),
    };
    return this.#governance;
  }

  // ---- discovery ----------------------------------------------------------------------------------------------

  /**
   * The first interval worth looking at: the checkpoint, but never before the oldest interval that can still be
   * settled (end + deadline ≥ now) nor before governance's first version (no order can be older).
   */
  async #lowerBound(now: number, gov: Governance): Promise<number> {
    const history = await this.#evaluate(TX.Governance.GetConfigHistory, []);
    const first = history.length ? Date.parse(history[history.length - 1].updatedAt) : now;
    this.#firstGovernanceMs = first;
    const floor = (t: number) => Math.floor(t / gov.intervalMs) * gov.intervalMs;
    return Math.max(floor(now - gov.deadlineMs - gov.intervalMs), floor(first), this.#checkpoint ?? -Infinity);
  }

  async #discover(now: number, gov: Governance): Promise<void> {
    const I = gov.intervalMs;
    this.#floor ??= await this.#lowerBound(now, gov);
    this.#retailCursor ??= this.#floor - I;
    this.#wholesaleCursor ??= this.#floor - I;

    // Retail: every interval whose gate has closed (start − gate closure ≤ now), for every zone.
    const lastRetail = Math.floor((now - this.#o.skewMs + gov.gateClosureMs) / I) * I;
    if (lastRetail > this.#retailCursor) {
      // Orders need an active meter in their zone before gate closure: zones read after it cover every order.
      const before = new Set(this.#zones.keys());
      await this.#refreshZones();
      const added = [...this.#zones.keys()].filter((z) => !before.has(z));
      // A zone seen for the first time gets the intervals already discovered too (still within the window).
      if (this.#zonesAt > 0 && added.length) {
        for (let t = this.#floor; t <= this.#retailCursor; t += I) for (const zone of added) this.#addRetail(zone, t, gov);
      }
      this.#zonesAt = now;
      for (let t = this.#retailCursor + I; t <= lastRetail; t += I) for (const zone of this.#zones.keys()) this.#addRetail(zone, t, gov);
      this.#retailCursor = lastRetail;
    }

    // Wholesale (SYSTEM): day-ahead gate passed and delivery within the horizon.
    const gatePassed = now - this.#o.skewMs + DAY_AHEAD_GATE_MS;
    const gateLast = gatePassed - (gatePassed % DAY_MS) + DAY_MS - I;
    const lastWholesale = Math.min(gateLast, Math.floor((now - this.#o.skewMs + this.#o.wholesaleHorizonMs) / I) * I);
    for (let t = this.#wholesaleCursor + I; t <= lastWholesale; t += I) {
      const gate = t - (t % DAY_MS) - DAY_AHEAD_GATE_MS;
      this.#add({ stage: 'clear', market: 'WHOLESALE', zone: SYSTEM, startMs: t, dueAt: gate + this.#o.skewMs });
    }
    if (lastWholesale > this.#wholesaleCursor) this.#wholesaleCursor = lastWholesale;
  }

  #addRetail(zone: string, t: number, gov: Governance): void {
    this.#add({ stage: 'clear', market: 'RETAIL', zone, startMs: t, dueAt: t - gov.gateClosureMs + this.#o.skewMs });
    this.#add({ stage: 'publish', market: 'RETAIL', zone, startMs: t, dueAt: t + gov.intervalMs });
    if (this.#certs) this.#add({ stage: 'issue', market: 'RETAIL', zone, startMs: t, dueAt: t + gov.intervalMs + this.#o.skewMs });
  }

  /** Retail zones and their active meters, from the registry (one ListAssets per interval: O(assets), see docs). */
  async #refreshZones(): Promise<void> {
    const meters = await this.#evaluate(TX.Registry.ListAssets, [{ segment: 'retail', type: 'meter' }]);
    const zones = new Map<string, number>();
    for (const m of meters) zones.set(m.zone, (zones.get(m.zone) ?? 0) + (m.status === 'ACTIVE' ? 1 : 0));
    this.#zones = zones;
  }

  #key(stage: Stage, market: Market, zone: string, startMs: number): string {
    return `${stage}|${market}|${zone}|${startMs}`;
  }

  #add(job: { stage: Stage; market: Market; zone: string; startMs: number; dueAt: number }): void {
    const key = this.#key(job.stage, job.market, job.zone, job.startMs);
    if (this.#jobs.has(key)) return;
    this.#jobs.set(key, { ...job, interval: new Date(job.startMs).toISOString(), nextAt: job.dueAt, backoff: this.#o.retryMs, attempts: 0 });
  }

  #done(job: Job): void {
    this.#jobs.delete(this.#key(job.stage, job.market, job.zone, job.startMs));
  }

  #later(job: Job, now: number, cap?: number): void {
    job.attempts++;
    job.nextAt = Math.min(now + job.backoff, cap ?? Infinity);
    job.backoff = Math.min(job.backoff * 2, this.#o.maxRetryMs);
  }

  // ---- jobs ---------------------------------------------------------------------------------------------------

  async #run(job: Job, now: number, gov: Governance): Promise<void> {
    try {
      if (job.stage === 'clear') await this.#clear(job, now, gov);
      else if (job.stage === 'settle') await this.#settle(job, now, gov);
      else if (job.stage === 'publish') await this.#publish(job, now, gov);
      else if (job.stage === 'issue') await this.#issue(job, now, gov);
      else await this.#attest(job, now);
    } catch (err) {
      this.#totals.failures++;
      this.metrics.failures.inc({ action: job.stage, market: job.market });
      this.#record(job, 'failed', { message: err instanceof Error ? err.message : String(err) });
      this.#o.logger.warn({ err, stage: job.stage, market: job.market, zone: job.zone, interval: job.interval }, 'operator agent action failed; retrying later');
      this.#later(job, now);
      const code = refusalOf(err)?.code;
      if (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') {
        // The role may have been revoked (or the participant suspended): stop acting until WhoAmI says otherwise.
        this.#state = 'idle';
        this.#reason = `${this.#o.identity} was refused (${code}); checking its MARKET_OPERATOR role again`;
      }
    }
  }

  #slot(job: Job) {
    return job.market === 'RETAIL' ? { zone: job.zone, interval: job.interval } : { interval: job.interval };
  }

  async #clear(job: Job, now: number, gov: Governance): Promise<void> {
    const txs = job.market === 'RETAIL'
      ? { result: TX.RetailMarket.GetResult, bodies: TX.RetailMarket.ListOpenOrderBodies, clear: TX.RetailMarket.ClearInterval }
      : { result: TX.WholesaleMarket.GetResult, bodies: TX.WholesaleMarket.ListOpenOrderBodies, clear: TX.WholesaleMarket.ClearInterval };
    const slot = this.#slot(job) as { zone: string; interval: string };
    const next = () => {
      this.#done(job);
      this.#add({ stage: 'settle', market: job.market, zone: job.zone, startMs: job.startMs, dueAt: job.startMs + gov.intervalMs });
    };
    try {
      await this.#evaluate(txs.result, [slot]);
      this.#count(job, 'already');
      next();
      return;
    } catch (err) {
      if (refusalOf(err)?.code !== 'NOT_FOUND') throw err;
    }
    const bodies = await this.#evaluate(txs.bodies, [slot]);
    if (bodies.length === 0) {
      this.metrics.actions.inc({ action: 'clear', market: job.market, outcome: 'empty' });
      this.#done(job);
      return;
    }
    try {
      const { txId, result } = await this.#submit(txs.clear, [slot], { salt: newSalt(), orders: bodies });
      this.#totals.cleared++;
      this.metrics.actions.inc({ action: 'clear', market: job.market, outcome: 'done' });
      this.#record(job, 'done', { txId });
      this.#o.logger.info({ market: job.market, zone: job.zone, interval: job.interval, orders: bodies.length, price: result.price, txId }, 'interval cleared');
      next();
    } catch (err) {
      if (isAlready(err)) {
        this.#count(job, 'already');
        next();
        return;
      }
      if (/gate closure/.test(refusalOf(err)?.message ?? '') && now < job.dueAt + 60_000) {
        this.#later(job, now); // the peer's clock is a little behind ours: not a failure
        return;
      }
      throw err;
    }
  }

  async #settle(job: Job, now: number, gov: Governance): Promise<void> {
    const ref = { market: job.market, zone: job.zone, interval: job.interval };
    const deadline = job.startMs + gov.intervalMs + gov.deadlineMs;
    const attest = () => {
      this.#done(job);
      if (this.#o.ledger.channels().includes(this.#o.auditChannel)) this.#add({ stage: 'attest', market: job.market, zone: job.zone, startMs: job.startMs, dueAt: now });
    };
    // A dry run on the operator's own peer: the chaincode's own answer to "are the awarded readings in?".
    try {
      await this.#evaluate(TX.Settlement.SettleInterval, [ref], { salt: newSalt() });
    } catch (err) {
      if (isAlready(err)) {
        this.#count(job, 'already');
        attest();
        return;
      }
      const refusal = refusalOf(err);
      if (refusal?.code === 'RULE_VIOLATION' && /still missing|has not ended/.test(refusal.message)) {
        // Not yet: re-check with backoff, and exactly at the deadline (then it settles with what is there).
        this.#later(job, now, Math.max(deadline, now + 1));
        return;
      }
      throw err;
    }
    // Certificates move with the payment only if they exist when it settles: issue this interval's first.
    if (job.market === 'RETAIL' && this.#certs && !(await this.#certs.readyToSettle(job.zone, job.startMs, gov, now))) {
      this.#later(job, now, Math.max(deadline, now + 1));
      return;
    }
    try {
      const { txId, result } = await this.#submit(TX.Settlement.SettleInterval, [ref], { salt: newSalt() });
      this.#totals.settled++;
      this.metrics.actions.inc({ action: 'settle', market: job.market, outcome: 'done' });
      this.#record(job, 'done', { txId });
      this.#o.logger.info({ market: job.market, zone: job.zone, interval: job.interval, records: result.recordCount, readingsComplete: result.readingsComplete, txId }, 'interval settled');
      attest();
    } catch (err) {
      if (!isAlready(err)) throw err;
      this.#count(job, 'already');
      attest();
    }
  }

  async #publish(job: Job, now: number, gov: Governance): Promise<void> {
    const total = await this.#evaluate(TX.Metering.GetZoneTotal, [job.zone, String(job.startMs)]);
    if (total.published) {
      this.#done(job);
      return;
    }
    const deadline = job.startMs + gov.intervalMs + gov.deadlineMs;
    const meters = this.#zones.get(job.zone) ?? 0;
    const complete = total.batches > 0 && total.readings >= meters;
    if (!complete && now < deadline) {
      this.#later(job, now, deadline);
      return;
    }
    if (total.batches === 0) {
      this.#done(job); // nothing was read in this zone
      return;
    }
    try {
      const { txId } = await this.#submit(TX.Metering.PublishZoneTotal, [{ zone: job.zone, intervalStart: job.startMs }]);
      this.#totals.published++;
      this.metrics.actions.inc({ action: 'publish', market: job.market, outcome: 'done' });
      this.#record(job, 'done', { txId });
    } catch (err) {
      // A republication adding fewer than k participants is refused for privacy: the earlier publication stands.
      if (refusalOf(err)?.code !== 'RULE_VIOLATION') throw err;
      this.metrics.actions.inc({ action: 'publish', market: job.market, outcome: 'withheld' });
    }
    this.#done(job);
  }

  async #attest(job: Job, now: number): Promise<void> {
    try {
      await this.#evaluate(TX.Audit.GetAttestation, [{ sourceChannel: this.#o.channel, market: job.market, zone: job.zone, interval: job.interval }], undefined, this.#o.auditChannel);
      this.metrics.actions.inc({ action: 'attest', market: job.market, outcome: 'seen' });
      this.#done(job);
    } catch (err) {
      if (refusalOf(err)?.code !== 'NOT_FOUND') throw err;
      // No relay anchors it (yet): stop watching after an hour, so jobs and calls do not grow with every interval.
      if (now - job.dueAt > ATTEST_WATCH_MS) {
        this.metrics.actions.inc({ action: 'attest', market: job.market, outcome: 'unseen' });
        this.#record(job, 'unseen');
        this.#done(job);
        return;
      }
      // The relay has not anchored it yet: look again with backoff (its lag shows in obe_operator_lag_seconds{stage="attest"}).
      this.#later(job, now);
    }
  }

  async #issue(job: Job, now: number, gov: Governance): Promise<void> {
    if (await this.#certs!.issue(job.zone, job.startMs, gov, now)) this.#done(job);
    else this.#later(job, now, Math.max(job.startMs + gov.intervalMs + gov.deadlineMs, now + 1)); // a green meter's reading is missing
  }

  /** The seal duty (certificate-duty.ts): its own cursor, not a job per slot (claim windows last days). */
  async #sealDue(now: number, gov: Governance): Promise<void> {
    try {
      await this.#certs!.seal(now, gov, this.#firstGovernanceMs ?? now);
    } catch (err) {
      this.#totals.failures++;
      this.metrics.failures.inc({ action: 'seal', market: 'RETAIL' });
      this.#lastError = err instanceof Error ? err.message : String(err);
      this.#o.logger.warn({ err }, 'sealing certificates failed; retrying on the next tick');
    }
  }

  #count(job: Job, outcome: 'already'): void {
    this.#totals.already++;
    this.metrics.actions.inc({ action: job.stage, market: job.market, outcome });
  }

  #record(job: Job, outcome: string, extra: { txId?: string; message?: string } = {}): void {
    this.#recordAction({ action: job.stage, market: job.market, zone: job.zone, interval: job.interval }, outcome, extra);
  }

  #recordAction(what: { action: Stage; market: Market; zone: string; interval: string }, outcome: string, extra: { txId?: string; message?: string } = {}): void {
    this.#recent.unshift({ at: new Date(this.#o.now()).toISOString(), ...what, outcome, ...extra });
    this.#recent.length = Math.min(this.#recent.length, 20);
  }

  // ---- reporting and checkpoint ---------------------------------------------------------------------------------

  #report(now: number): void {
    const status = this.status();
    for (const stage of STAGES) {
      this.metrics.pending.set({ stage }, status.pending[stage]);
      this.metrics.lag.set({ stage }, status.lagSeconds[stage]);
    }
    void now;
  }

  /** The first interval with a job left (or the next to discover): everything before it is done. */
  #saveCheckpoint(): void {
    if (this.#retailCursor === undefined || !this.#governance) return;
    let first = this.#retailCursor + this.#governance.intervalMs;
    for (const job of this.#jobs.values()) first = Math.min(first, job.startMs);
    if (first === this.#checkpoint) return;
    this.#checkpoint = first;
    if (this.#file) writeFileAtomic(this.#file, JSON.stringify({ doneBefore: new Date(first).toISOString() }));
  }

  #readCheckpoint(): number | undefined {
    if (!this.#file || !fs.existsSync(this.#file)) return undefined;
    try {
      const parsed = Date.parse((JSON.parse(fs.readFileSync(this.#file, 'utf8')) as { doneBefore?: string }).doneBefore ?? '');
      return Number.isFinite(parsed) ? parsed : undefined;
    } catch {
      return undefined; // a damaged checkpoint only costs a longer look back
    }
  }
}
