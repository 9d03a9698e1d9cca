import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { TX, type TxArgs, type TxEntry, type TxResult, type TxTransient } from '@obe/chaincode';
import { writeFileAtomic } from '../common/atomic-file';
import { ChaincodeError } from '../ledger/errors';
import type { OperatorAgentMetrics } from './metrics';

/**
 * The operator agent's certificate duties (docs/certificates.md), run by the agent (agent.ts) when its org may issue:
 *
 *  - **issue**, per retail zone and interval, from the interval's end: one `Certificates:Issue` for every green asset
 *    (pv, wind) of the zone whose meter has a trusted export reading of the interval. The agent's settlement of a
 *    retail interval waits for this (`readyToSettle`), so the sellers hold their certificates when the settlement
 *    moves them with the payment. Items are checked by a dry run first (an evaluation on the operator's own peer): an
 *    item the chaincode refuses (`item[i]: …`) leaves the batch — a missing reading keeps the job open until the
 *    settlement deadline, anything else (not commissioned, suspended, owner changed, already issued) drops the item;
 *    what the dry run answers as `skipped` (nothing exported) is not submitted.
 *  - **seal**, per zone with certificates and interval, once the claim window has passed: `Certificates:SealInterval`.
 *    Its cursor (the first interval not yet looked at) is kept in `<dataDir>/operator-certificates.json`; without it
 *    the duty looks back `sealLookbackMs` (1 day) before the newest closed window.
 *
 * Who may issue is the chaincode's rule (certificates/issue.ts): a DSO participant, of governance
 * `certificateIssuerMspId` when that is set. An agent whose identity may not issue skips issuance (a log line when
 * that changes, `obe_operator_actions_total{action="issue",outcome="not_issuer"}` per slot) and settles without
 * waiting. Sealing needs a DSO or the market operator, which the agent is.
 *
 * Restart-safe and safe with two instances: what was issued (`ListCertificates`) and sealed (`GetSeal`) is read from
 * the ledger, and the chaincode refuses a second issue (`ALREADY_ISSUED`) or seal (`ALREADY_SEALED`), which counts as
 * `already`, never as a failure.
 */

/** The chaincode's default claim window (chaincode/src/certificates/model.ts CERTIFICATE_DEFAULTS). */
const DEFAULT_CLAIM_WINDOW_MINUTES = 7 * 1440;
const GREEN_TYPES = new Set(['pv', 'wind']);
/** How often the issuer check (WhoAmI) is repeated. */
const ROLE_CHECK_MS = 60_000;
/** Items per Certificates:Issue (issueSchema's limit). */
const MAX_ITEMS = 100;

export interface DutyCalls {
  evaluate<E extends TxEntry>(entry: E, args: TxArgs<E>, transient?: TxTransient<E>): Promise<TxResult<E>>;
  submit<E extends TxEntry>(entry: E, args: TxArgs<E>, transient?: TxTransient<E>): Promise<{ txId: string; result: TxResult<E> }>;
  /** Ledger calls left in this tick's budget. */
  budgetLeft(): number;
}

/** What the agent knows of governance that the duty needs. */
export interface DutyGovernance {
  intervalMs: number;
  deadlineMs: number;
  claimWindowMinutes?: number;
  certificateIssuerMspId?: string;
}

export interface CertificateDutyOptions {
  calls: DutyCalls;
  identity: string;
  logger: Logger;
  metrics: OperatorAgentMetrics;
  /** Adds an entry to the agent's recent actions. */
  record: (action: 'issue' | 'seal', zone: string, interval: string, outcome: string, extra?: { txId?: string; message?: string }) => void;
  dataDir?: string;
  skewMs: number;
  /** Without a saved cursor, how far before the newest closed claim window the seal duty looks (default 1 day). */
  sealLookbackMs?: number;
}

export interface CertificateDutyStatus {
  enabled: true;
  mayIssue: boolean;
  reason?: string;
  claimWindowMinutes?: number;
  /** The first interval whose zones have not all been looked at for sealing. */
  sealCursor?: string;
  totals: { issued: number; sealed: number; already: number; notIssuer: number };
}

type Asset = TxResult<typeof TX.Registry.ListAssets>[number];
type IssueItem = { assetId: string; meterId: string };

const refusalOf = (err: unknown) => (err instanceof ChaincodeError && err.code ? { code: err.code, message: err.message } : undefined);
const newSalt = () => crypto.randomBytes(24).toString('base64url');

export class CertificateDuty {
  readonly #o: CertificateDutyOptions & { sealLookbackMs: number };
  readonly #file: string | undefined;
  #mayIssue = false;
  #reason: string | undefined;
  #roleCheckedAt = -Infinity;
  #roleLogged: boolean | undefined;
  #mspId: string | undefined;
  #isDso = false;
  #assets: Asset[] = [];
  #assetsAt = -Infinity;
  /** Zone-intervals whose issuance is complete (pruned once older than the settlement window). */
  readonly #complete = new Map<string, number>();
  #sealCursor: number | undefined;
  /** Zones of the cursor's interval already looked at (a tick's budget may end within an interval). */
  readonly #sealedZones = new Set<string>();
  #savedCursor: number | undefined;
  #window: number | undefined;
  readonly #totals = { issued: 0, sealed: 0, already: 0, notIssuer: 0 };

  constructor(options: CertificateDutyOptions) {
    this.#o = { sealLookbackMs: 86_400_000, ...options };
    this.#file = options.dataDir ? path.join(options.dataDir, 'operator-certificates.json') : undefined;
    this.#sealCursor = this.#savedCursor = this.#readCursor();
  }

  status(): CertificateDutyStatus {
    return {
      enabled: true,
      mayIssue: this.#mayIssue,
      ...(this.#reason ? { reason: this.#reason } : {}),
      ...(this.#window === undefined ? {} : { claimWindowMinutes: this.#window }),
      ...(this.#sealCursor === undefined ? {} : { sealCursor: new Date(this.#sealCursor).toISOString() }),
      totals: { ...this.#totals },
    };
  }

  /** Seal backlog for the agent's status: zone-intervals are not known ahead, so intervals not yet looked at, and their lag. */
  sealBacklog(now: number, gov: DutyGovernance): { pending: number; lagSeconds: number } {
    if (this.#sealCursor === undefined) return { pending: 0, lagSeconds: 0 };
    const closesAt = this.#sealCursor + gov.intervalMs + this.#windowMs(gov);
    if (closesAt > now) return { pending: 0, lagSeconds: 0 };
    return { pending: Math.floor((now - closesAt) / gov.intervalMs) + 1, lagSeconds: Math.round((now - closesAt) / 1000) };
  }

  #windowMs(gov: DutyGovernance): number {
    return (gov.claimWindowMinutes ?? DEFAULT_CLAIM_WINDOW_MINUTES) * 60_000;
  }

  /**
   * Whether the agent's identity may issue: its DSO role re-checked every minute while it has it, every 10 s while it
   * has not, and before every slot's issuance (`fresh`) while it has not (a role granted a moment ago counts); governance's
   * issuer on every call.
   */
  async #checkIssuer(now: number, gov: DutyGovernance, fresh = false): Promise<boolean> {
    this.#window = gov.claimWindowMinutes ?? DEFAULT_CLAIM_WINDOW_MINUTES;
    if (now - this.#roleCheckedAt >= (this.#isDso ? ROLE_CHECK_MS : 10_000) || (fresh && !this.#isDso)) {
      this.#roleCheckedAt = now;
      const me = await this.#o.calls.evaluate(TX.Participants.WhoAmI, []);
      this.#isDso = (me.effectiveRoles ?? me.participant?.roles ?? []).includes('DSO');
      this.#mspId = me.mspId;
    }
    let reason: string | undefined;
    if (!this.#isDso) reason = `${this.#o.identity} holds no DSO role: this agent issues no certificates`;
    else if (gov.certificateIssuerMspId !== undefined && gov.certificateIssuerMspId !== this.#mspId) {
      reason = `certificates are issued by DSOs of ${gov.certificateIssuerMspId} (governance certificateIssuerMspId), not of ${this.#mspId}`;
    }
    this.#mayIssue = reason === undefined;
    this.#reason = reason;
    if (this.#roleLogged !== this.#mayIssue) {
      this.#roleLogged = this.#mayIssue;
      if (this.#mayIssue) this.#o.logger.info({ identity: this.#o.identity }, 'operator agent issues green certificates before settling');
      else this.#o.logger.warn({ identity: this.#o.identity, reason }, 'operator agent may not issue certificates: it settles without issuing');
    }
    this.#o.metrics.mayIssue.set(this.#mayIssue ? 1 : 0);
    return this.#mayIssue;
  }

  /** Every asset of the registry, read again at most once per interval (one ListAssets). */
  async #registry(now: number, gov: DutyGovernance): Promise<Asset[]> {
    if (now - this.#assetsAt >= gov.intervalMs) {
      this.#assets = await this.#o.calls.evaluate(TX.Registry.ListAssets, [{}]);
      this.#assetsAt = now;
    }
    return this.#assets;
  }

  /**
   * Before the agent settles a retail zone's interval: one issuance pass (no-op if done). Answers whether settlement
   * may go ahead: yes once issuance is complete or has nothing more it can do now (readings still missing for green
   * assets that were not awarded), yes when this org may not issue or the chaincode refused the issuance, and yes at the
   * deadline whatever happened; no after another failure (ledger unavailable) before the deadline (re-checked later).
   */
  async readyToSettle(zone: string, startMs: number, gov: DutyGovernance, now: number): Promise<boolean> {
    try {
      await this.issue(zone, startMs, gov, now);
      return true;
    } catch (err) {
      this.#o.metrics.failures.inc({ action: 'issue', market: 'RETAIL' });
      this.#o.logger.warn({ err, zone, interval: new Date(startMs).toISOString() }, 'certificate issuance before settlement failed');
      // A refusal would come again: settle without waiting (the issue job retries). An outage defers until the deadline.
      return refusalOf(err) !== undefined || now >= startMs + gov.intervalMs + gov.deadlineMs;
    }
  }

  /**
   * One issuance pass for a zone's interval. Answers true when nothing is left to issue (or this org may not issue),
   * false while a green asset's reading is still missing (the agent re-runs it with backoff until the deadline).
   */
  async issue(zone: string, startMs: number, gov: DutyGovernance, now: number): Promise<boolean> {
    const key = `${zone}|${startMs}`;
    const interval = new Date(startMs).toISOString();
    if (this.#complete.has(key)) return true;
    const finish = () => {
      this.#complete.set(key, startMs);
      for (const [k, t] of this.#complete) if (t < now - gov.deadlineMs - 4 * gov.intervalMs) this.#complete.delete(k);
      return true;
    };
    if (!(await this.#checkIssuer(now, gov, true))) {
      this.#totals.notIssuer++;
      this.#o.metrics.actions.inc({ action: 'issue', market: 'RETAIL', outcome: 'not_issuer' });
      this.#o.logger.debug({ zone, interval, reason: this.#reason }, 'certificates not issued: this org may not issue');
      return finish();
    }
    // Issuance is open from the interval's end for the claim window; the agent waits for readings until the deadline.
    const closes = startMs + gov.intervalMs + this.#windowMs(gov);
    if (now >= closes - this.#o.skewMs) return finish();
    const assets = await this.#registry(now, gov);
    const green = assets.filter((a) => GREEN_TYPES.has(a.type) && a.zone === zone && startedBy(a, startMs)).sort(byId);
    if (green.length === 0) return finish();
    let missing = false;
    /** Items the dry runs set aside in this pass (refused or nothing exported): not offered again. */
    const resolved = new Set<string>();
    for (let attempt = 0, conflicts = 0; attempt < green.length + 3 && conflicts < 3; attempt++) {
      const certificates = await this.#o.calls.evaluate(TX.Certificates.ListCertificates, [{ zone, interval }]);
      const done = new Set(certificates.map((c) => c.assetId));
      const usedMeters = new Set(certificates.map((c) => c.meterId));
      const open = pairMeters(green.filter((a) => !done.has(a.assetId) && !resolved.has(a.assetId)), assets, zone, usedMeters);
      let items = open.slice(0, MAX_ITEMS);
      // Dry runs: drop every item the chaincode refuses, one at a time (it names the item), keep the rest.
      for (let guard = items.length; items.length > 0 && guard >= 0; guard--) {
        try {
          const dry = await this.#o.calls.evaluate(TX.Certificates.Issue, [{ interval, items }], { salt: newSalt() });
          const skipped = new Set(dry.skipped.map((s) => s.assetId));
          for (const assetId of skipped) resolved.add(assetId);
          items = items.filter((i) => !skipped.has(i.assetId));
          break;
        } catch (err) {
          const refusal = refusalOf(err);
          if (refusal?.code === 'RULE_VIOLATION' && /window of .* has closed/.test(refusal.message)) return finish(); // the peer's clock is ahead of ours
          const index = /item\[(\d+)\]/.exec(refusal?.message ?? '');
          if (refusal && !index && items.length > 0) {
            // A refusal naming no item (e.g. PARTICIPANT_ERASED from the lot book): one dry run per item finds its source.
            const kept: IssueItem[] = [];
            for (const item of items) {
              try {
                await this.#o.calls.evaluate(TX.Certificates.Issue, [{ interval, items: [item] }], { salt: newSalt() });
                kept.push(item);
              } catch (one) {
                const r = refusalOf(one);
                if (!r) throw one;
                resolved.add(item.assetId);
                if (/no reading/.test(r.message)) missing = true;
                else this.#o.logger.debug({ zone, interval, assetId: item.assetId, refusal: r.message }, 'green asset not certifiable for this interval');
              }
            }
            if (kept.length === items.length) throw err; // not an item's refusal
            items = kept;
            continue;
          }
          if (!refusal || !index || Number(index[1]) >= items.length) throw err;
          const [dropped] = items.splice(Number(index[1]), 1);
          resolved.add(dropped.assetId);
          if (/no reading/.test(refusal.message)) missing = true;
          else this.#o.logger.debug({ zone, interval, assetId: dropped.assetId, refusal: refusal.message }, 'green asset not certifiable for this interval');
        }
      }
      if (items.length === 0) {
        if (open.length <= MAX_ITEMS) break;
        continue;
      }
      try {
        const { txId, result } = await this.#o.calls.submit(TX.Certificates.Issue, [{ interval, items }], { salt: newSalt() });
        this.#totals.issued += result.issued.length;
        this.#o.metrics.actions.inc({ action: 'issue', market: 'RETAIL', outcome: 'done' }, result.issued.length);
        this.#o.record('issue', zone, interval, 'done', { txId });
        this.#o.logger.info({ zone, interval, certificates: result.issued.length, txId }, 'certificates issued');
        if (open.length <= MAX_ITEMS) break;
      } catch (err) {
        // Another instance issued first (the chaincode refuses a second issue): read what is there and try the rest.
        const refusal = refusalOf(err);
        if (!(refusal?.code === 'CONFLICT' && /already has a certificate/.test(refusal.message))) throw err;
        conflicts++;
        this.#totals.already++;
        this.#o.metrics.actions.inc({ action: 'issue', market: 'RETAIL', outcome: 'already' });
      }
    }
    if (missing && now < Math.min(startMs + gov.intervalMs + gov.deadlineMs, closes)) return false;
    return finish();
  }

  /**
   * Seals every zone with certificates of every interval whose claim window has passed since the cursor, within the
   * tick's call budget (the rest waits for the next tick). A window the peer still sees open (its clock behind ours)
   * stops the pass until the next tick.
   */
  async seal(now: number, gov: DutyGovernance, firstGovernanceMs: number): Promise<void> {
    const I = gov.intervalMs;
    const windowMs = this.#windowMs(gov);
    await this.#checkIssuer(now, gov); // for the status and the gauge from the first tick (a WhoAmI a minute at most)
    const lastClosed = Math.floor((now - this.#o.skewMs - windowMs - I) / I) * I;
    this.#sealCursor ??= Math.max(Math.floor(firstGovernanceMs / I) * I, lastClosed + I - this.#o.sealLookbackMs);
    if (this.#sealCursor > lastClosed) return;
    const assets = await this.#registry(now, gov);
    const zones = [...new Set(assets.filter((a) => GREEN_TYPES.has(a.type)).map((a) => a.zone))].sort();
    outer: for (let t = this.#sealCursor; t <= lastClosed; t += I) {
      const interval = new Date(t).toISOString();
      for (const zone of zones) {
        if (this.#sealedZones.has(zone)) continue;
        if (this.#o.calls.budgetLeft() < 3) break outer; // the rest of this interval's zones on the next tick
        if (!(await this.#sealOne(zone, interval))) break outer;
        this.#sealedZones.add(zone);
      }
      this.#sealCursor = t + I;
      this.#sealedZones.clear();
    }
    this.#saveCursor();
  }

  /** False when the peer still sees the window open: stop for this tick. */
  async #sealOne(zone: string, interval: string): Promise<boolean> {
    const certificates = await this.#o.calls.evaluate(TX.Certificates.ListCertificates, [{ zone, interval }]);
    if (certificates.length === 0) return true;
    try {
      await this.#o.calls.evaluate(TX.Certificates.GetSeal, [{ zone, interval }]);
      this.#already('seal');
      return true;
    } catch (err) {
      if (refusalOf(err)?.code !== 'NOT_FOUND') throw err;
    }
    try {
      const { txId, result } = await this.#o.calls.submit(TX.Certificates.SealInterval, [{ zone, interval }], { salt: newSalt() });
      this.#totals.sealed++;
      this.#o.metrics.actions.inc({ action: 'seal', market: 'RETAIL', outcome: 'done' });
      this.#o.record('seal', zone, interval, 'done', { txId });
      this.#o.logger.info({ zone, interval, leaves: result.leafCount, txId }, 'certificates sealed');
      return true;
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal?.code === 'CONFLICT' && /already sealed/.test(refusal.message)) {
        this.#already('seal');
        return true;
      }
      if (refusal?.code === 'RULE_VIOLATION' && /seal after/.test(refusal.message)) return false;
      throw err;
    }
  }

  #already(action: 'seal'): void {
    this.#totals.already++;
    this.#o.metrics.actions.inc({ action, market: 'RETAIL', outcome: 'already' });
  }

  #saveCursor(): void {
    if (this.#sealCursor === undefined || this.#sealCursor === this.#savedCursor) return;
    this.#savedCursor = this.#sealCursor;
    if (this.#file) writeFileAtomic(this.#file, JSON.stringify({ sealedBefore: new Date(this.#sealCursor).toISOString() }));
  }

  #readCursor(): number | undefined {
    if (!this.#file || !fs.existsSync(this.#file)) return undefined;
    try {
      const parsed = Date.parse((JSON.parse(fs.readFileSync(this.#file, 'utf8')) as { sealedBefore?: string }).sealedBefore ?? '');
      return Number.isFinite(parsed) ? parsed : undefined;
    } catch {
      return undefined; // a damaged cursor only costs the look-back
    }
  }
}

const byId = (a: Asset, b: Asset) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0);

/** Commissioned (metering started) at or before the interval, as the chaincode requires (registry meteringStartMs). */
function startedBy(asset: Asset, startMs: number): boolean {
  const from = asset.meteringFrom ?? asset.commissionedAt ?? (asset.commissionedBy ? asset.registeredAt : null);
  return from !== null && from !== undefined && Date.parse(from) <= startMs;
}

/**
 * The meter each green asset's energy is read by: the asset itself when it reports with its own device key, else a
 * meter of the same owner in its zone not yet used for the interval (in id order; the chaincode certifies the energy
 * behind a meter once, so each meter serves one asset).
 */
export function pairMeters(green: readonly Asset[], assets: readonly Asset[], zone: string, used: Set<string>): IssueItem[] {
  const meters = assets.filter((a) => a.type === 'meter' && a.zone === zone).sort(byId);
  const taken = new Set(used);
  const items: IssueItem[] = [];
  for (const asset of green) {
    const meter = asset.devicePublicKey ? asset : meters.find((m) => m.owner === asset.owner && !taken.has(m.assetId));
    if (!meter || taken.has(meter.assetId)) continue;
    taken.add(meter.assetId);
    items.push({ assetId: asset.assetId, meterId: meter.assetId });
  }
  return items;
}
