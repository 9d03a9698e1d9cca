import pino from 'pino';
import { Registry } from 'prom-client';
import { TX, type TxEntry } from '@obe/chaincode';
import { ChaincodeError, LedgerUnavailableError } from '../../../gateway/src/ledger/errors';
import { CertificateDuty, pairMeters, type DutyCalls, type DutyGovernance } from '../../../gateway/src/operator-agent/certificate-duty';
import { OperatorAgentMetrics } from '../../../gateway/src/operator-agent/metrics';

/**
 * The certificate duty's decisions against a scripted ledger (the embedded runs are in certificates.test.ts): which
 * items it offers, how it gets past refusals, when it keeps a slot open and when settlement may go ahead.
 */
const I = 15 * 60_000;
const START = Date.parse('2026-06-01T10:00:00.000Z');
const GOV: DutyGovernance = { intervalMs: I, deadlineMs: 60 * 60_000 };
const AFTER_END = START + I + 2000;
const at = '2026-01-01T00:00:00.000Z';

type AssetLike = { assetId: string; type: string; zone: string; owner: string; devicePublicKey: string | null; commissionedAt: string | null; commissionedBy: string | null; registeredAt: string };
const asset = (assetId: string, type: string, owner: string, extra: Partial<AssetLike> = {}): AssetLike => ({
  assetId,
  type,
  zone: 'z1',
  owner,
  devicePublicKey: type === 'meter' ? 'PEM' : null,
  commissionedAt: at,
  commissionedBy: 'p-dso',
  registeredAt: at,
  ...extra,
});

interface Script {
  assets: AssetLike[];
  /** Dry run / submit of Issue: answer or throw for these items. */
  issue: (items: { assetId: string; meterId: string }[], submit: boolean) => { skipped?: string[] } | Error;
  roles?: string[];
}

function duty(script: Script) {
  const submitted: { assetId: string; meterId: string }[][] = [];
  const dryRuns: string[][] = [];
  const calls: DutyCalls = {
    evaluate: (async (entry: TxEntry, args: unknown[]) => {
      if (entry === TX.Participants.WhoAmI) return { pseudonym: 'p-op', mspId: 'GridOperatorMSP', registered: true, participant: null, effectiveRoles: script.roles ?? ['MARKET_OPERATOR', 'DSO'] };
      if (entry === TX.Registry.ListAssets) return script.assets;
      if (entry === TX.Certificates.ListCertificates) return [];
      if (entry === TX.Certificates.Issue) {
        const items = (args[0] as { items: { assetId: string; meterId: string }[] }).items;
        dryRuns.push(items.map((i) => i.assetId));
        const answer = script.issue(items, false);
        if (answer instanceof Error) throw answer;
        return { interval: new Date(START).toISOString(), issued: [], skipped: (answer.skipped ?? []).map((assetId) => ({ assetId, reason: 'NOTHING_EXPORTED' })), txId: '0'.repeat(64) };
      }
      throw new Error(`unexpected evaluate ${entry.name}`);
    }) as DutyCalls['evaluate'],
    submit: (async (entry: TxEntry, args: unknown[]) => {
      if (entry !== TX.Certificates.Issue) throw new Error(`unexpected submit ${entry.name}`);
      const items = (args[0] as { items: { assetId: string; meterId: string }[] }).items;
      submitted.push(items);
      const answer = script.issue(items, true);
      if (answer instanceof Error) throw answer;
      return { txId: '1'.repeat(64), result: { interval: new Date(START).toISOString(), issued: items.map((i) => ({ certId: `gc-${i.assetId}`, assetId: i.assetId, zone: 'z1' })), skipped: [], txId: '1'.repeat(64) } };
    }) as DutyCalls['submit'],
    budgetLeft: () => 1000,
  };
  const d = new CertificateDuty({ calls, identity: 'op', logger: pino({ level: 'silent' }), metrics: new OperatorAgentMetrics(new Registry()), record: () => undefined, skewMs: 1000 });
  return { d, submitted, dryRuns };
}

const refusal = (text: string) => new ChaincodeError(text);

describe('certificate duty (scripted ledger)', () => {
  const assets = [asset('pv-a', 'pv', 'p-a'), asset('m-a', 'meter', 'p-a'), asset('pv-b', 'pv', 'p-b'), asset('m-b', 'meter', 'p-b'), asset('bat-b', 'battery', 'p-b')];

  it('offers every green asset with its owner’s meter and submits what the dry run accepts, leaving out what exported nothing', async () => {
    const { d, submitted } = duty({ assets, issue: () => ({ skipped: ['pv-b'] }) });
    expect(await d.issue('z1', START, GOV, AFTER_END)).toBe(true);
    expect(submitted).toEqual([[{ assetId: 'pv-a', meterId: 'm-a' }]]);
    expect(d.status().totals.issued).toBe(1);
  });

  it('a refusal naming no item (e.g. PARTICIPANT_ERASED) is traced to its item by single dry runs; the rest is issued', async () => {
    const { d, submitted } = duty({
      assets,
      issue: (items) => (items.some((i) => i.assetId === 'pv-b') ? refusal('[RULE_VIOLATION] participant p-b is erased: no certificate can be written for it') : {}),
    });
    expect(await d.issue('z1', START, GOV, AFTER_END)).toBe(true);
    expect(submitted).toEqual([[{ assetId: 'pv-a', meterId: 'm-a' }]]);
  });

  it('a missing reading keeps the slot open until the deadline; other items go ahead', async () => {
    const script: Script = {
      assets,
      issue: (items) => {
        const i = items.findIndex((x) => x.assetId === 'pv-b');
        return i >= 0 ? refusal(`[RULE_VIOLATION] item[${i}]: meter 'm-b' has no reading for the interval on this peer`) : {};
      },
    };
    const { d, submitted } = duty(script);
    expect(await d.issue('z1', START, GOV, AFTER_END)).toBe(false);
    expect(submitted).toEqual([[{ assetId: 'pv-a', meterId: 'm-a' }]]);
    const late = duty(script);
    expect(await late.d.issue('z1', START, GOV, START + I + GOV.deadlineMs + 1)).toBe(true);
  });

  it('settlement waits for issuance only through an outage, and never past the deadline; a refusal does not hold it', async () => {
    const outage = duty({ assets, issue: () => new LedgerUnavailableError('peer down') });
    expect(await outage.d.readyToSettle('z1', START, GOV, AFTER_END)).toBe(false);
    expect(await outage.d.readyToSettle('z1', START, GOV, START + I + GOV.deadlineMs)).toBe(true);
    const refused = duty({ assets, issue: () => refusal('[FORBIDDEN] something the chaincode will say again') });
    expect(await refused.d.readyToSettle('z1', START, GOV, AFTER_END)).toBe(true);
  });

  it('not a DSO, or governance names another issuer: nothing offered, the slot is done, the status says why', async () => {
    const notDso = duty({ assets, roles: ['MARKET_OPERATOR'], issue: () => ({}) });
    expect(await notDso.d.issue('z1', START, GOV, AFTER_END)).toBe(true);
    expect(notDso.dryRuns).toEqual([]);
    expect(notDso.d.status()).toMatchObject({ mayIssue: false, totals: { notIssuer: 1 } });
    const other = duty({ assets, issue: () => ({}) });
    expect(await other.d.issue('z1', START, { ...GOV, certificateIssuerMspId: 'CertBodyMSP' }, AFTER_END)).toBe(true);
    expect(other.dryRuns).toEqual([]);
    expect(other.d.status().reason).toMatch(/CertBodyMSP/);
  });

  it('after the claim window nothing is offered', async () => {
    const { d, dryRuns } = duty({ assets, issue: () => ({}) });
    expect(await d.issue('z1', START, { ...GOV, claimWindowMinutes: 1 }, START + I + 60_000)).toBe(true);
    expect(dryRuns).toEqual([]);
  });
});

describe('pairMeters', () => {
  it('a self-reporting asset is its own meter; otherwise a meter of its owner in its zone, each meter once', () => {
    const all = [
      asset('pv-1', 'pv', 'p-a'),
      asset('wind-1', 'wind', 'p-a'),
      asset('pv-self', 'pv', 'p-c', { devicePublicKey: 'PEM' }),
      asset('m-a', 'meter', 'p-a'),
      asset('m-other-zone', 'meter', 'p-a', { zone: 'z2' }),
      asset('m-b', 'meter', 'p-b'),
    ] as never[];
    const green = [all[0], all[1], all[2]];
    expect(pairMeters(green, all, 'z1', new Set())).toEqual([
      { assetId: 'pv-1', meterId: 'm-a' },
      { assetId: 'pv-self', meterId: 'pv-self' },
    ]);
    expect(pairMeters(green, all, 'z1', new Set(['m-a']))).toEqual([{ assetId: 'pv-self', meterId: 'pv-self' }]);
  });
});

describe('seal duty (scripted ledger)', () => {
  it('seals every zone with certificates once the window has passed, zone by zone across ticks when the call budget is small', async () => {
    const zones = ['z1', 'z2', 'z3', 'z4', 'z5'];
    const assets = zones.map((zone, i) => asset(`pv-${i}`, 'pv', 'p-a', { zone }));
    const sealed = new Set<string>();
    let budget = 0;
    const calls: DutyCalls = {
      evaluate: (async (entry: TxEntry, args: unknown[]) => {
        budget--;
        const slot = args[0] as { zone: string; interval: string };
        if (entry === TX.Participants.WhoAmI) return { pseudonym: 'p-op', mspId: 'GridOperatorMSP', registered: true, participant: null, effectiveRoles: ['MARKET_OPERATOR', 'DSO'] };
        if (entry === TX.Registry.ListAssets) return assets;
        if (entry === TX.Certificates.ListCertificates) return slot.zone === 'z3' ? [] : [{ assetId: 'x', meterId: 'y' }];
        if (entry === TX.Certificates.GetSeal) {
          if (sealed.has(`${slot.zone}|${slot.interval}`)) return {};
          throw new ChaincodeError(`[NOT_FOUND] certificates of ${slot.zone} are not sealed`);
        }
        throw new Error(`unexpected evaluate ${entry.name}`);
      }) as DutyCalls['evaluate'],
      submit: (async (entry: TxEntry, args: unknown[]) => {
        budget--;
        const slot = args[0] as { zone: string; interval: string };
        if (entry !== TX.Certificates.SealInterval) throw new Error(`unexpected submit ${entry.name}`);
        const key = `${slot.zone}|${slot.interval}`;
        if (sealed.has(key)) throw new ChaincodeError(`[CONFLICT] certificates of ${slot.zone} ${slot.interval} are already sealed`);
        sealed.add(key);
        return { txId: '2'.repeat(64), result: { leafCount: 1 } };
      }) as DutyCalls['submit'],
      budgetLeft: () => budget,
    };
    const d = new CertificateDuty({ calls, identity: 'op', logger: pino({ level: 'silent' }), metrics: new OperatorAgentMetrics(new Registry()), record: () => undefined, skewMs: 1000, sealLookbackMs: I });
    const gov = { ...GOV, claimWindowMinutes: 60 };
    const now = START + I + 60 * 60_000 + 2000; // START's window has just closed
    for (let tick = 0; tick < 10; tick++) {
      budget = 6;
      await d.seal(now, gov, 0);
    }
    expect([...sealed].sort()).toEqual(['z1', 'z2', 'z4', 'z5'].map((z) => `${z}|${new Date(START).toISOString()}`));
    expect(d.status().sealCursor).toBe(new Date(START + I).toISOString());
    expect(d.status().totals).toMatchObject({ sealed: 4, already: 0 });
  });
});
