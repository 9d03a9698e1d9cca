/**
 * Bench section "profile": where a batch of device-signed readings spends its time on the embedded ledger, one batch
 * at a time (no queueing), by stage:
 *  - clientSigningMs: the meters' ECDSA signatures (done on the devices in reality; here before the clock starts);
 *  - restMs: POST /api/v1/metering/readings end to end; gatewayMs = restMs − (endorsementMs + commitMs), i.e. HTTP,
 *    auth, OpenAPI validation, JSON mapping and the submit record;
 *  - endorsementMs: the Ledger port's startSubmit — proposal, the chaincode on every endorsing org's peer, comparing
 *    the endorsements; of which signatureChecksMs is the device-key import and ECDSA verification alone (measured
 *    in-process on the same readings, times the number of endorsers);
 *  - commitMs: commitStatus — ordering (batch timeout), validation (MVCC, phantoms, endorsement policy), block write
 *    with fsync, state and private data apply;
 *  - stateOps: the read-write set of one batch — point reads, range reads, public writes, private writes — in total and
 *    per reading (each is one shim round trip to the peer on a real network; a range read is two: query and close).
 * Medians over `repeats` batches. Embedded only: the native breakdown is in the fabric section's profile.
 *
 * Signed load profiles (Metering:SubmitProfiles, docs/adr/0010) get the same breakdown (`loadProfiles`), with their
 * own signature ceiling: one key import per meter and one ECDSA verification per profile, not per reading.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { TX } from '@obe/chaincode';
import { devicePublicKey, verifyPayloadSignature } from '../../chaincode/src/metering/signature';
import { profileSigningPayload, readingSigningPayload } from '../../chaincode/src/metering/reading';
import { txRequest } from '../../gateway/src/ledger/call';
import { EmbeddedLedger } from '../../gateway/src/ledger/embedded/adapter';
import type { ProfileBatch, ReadingBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { MeterKeyStore } from '../../gateway/src/neighbourhood-sim/meter-keys';
import { profileSource, type ProfileShape } from './ingestion';
import { HEAD_END, startRestFixture, type BatchShape, type RestFixture } from './rest-fixture';
import { BenchHttpClient } from './http-client';

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Number(sorted[Math.floor((sorted.length - 1) / 2)].toFixed(2)) : NaN;
};

export interface StateOps {
  pointReads: number;
  rangeReads: number;
  publicWrites: number;
  privateWrites: number;
  total: number;
  perReading: number;
}

export interface StageProfile {
  shape: BatchShape;
  batchSize: number;
  repeats: number;
  endorsers: number;
  clientSigningMs: number;
  restMs: number;
  gatewayMs: number;
  endorsementMs: number;
  signatureChecksMs: number;
  commitMs: number;
  /** Share of restMs per stage (gateway, endorsement without signature checks, signature checks, commit). */
  shares: Record<'gateway' | 'endorsementOther' | 'signatureChecks' | 'commit', number>;
  stateOps: StateOps;
  /**
   * Readings/s this machine could commit if all its cores did nothing but the chaincode's signature checks (device-key
   * import once per meter and transaction, ECDSA verification per reading, on every endorser): the ceiling batching
   * cannot lift, since every reading must be verified by every endorsing peer.
   */
  signatureCeilingReadingsPerSecond: number;
}

/** The state operations one endorsed SubmitReadings makes, from its read-write set. */
export function stateOpsOf(rwset: { reads: unknown[]; rangeQueries: unknown[]; writes: unknown[]; collections: { hashedWrites: unknown[] }[] }, readings: number): StateOps {
  const pointReads = rwset.reads.length;
  const rangeReads = rwset.rangeQueries.length;
  const publicWrites = rwset.writes.length;
  const privateWrites = rwset.collections.reduce((n, c) => n + c.hashedWrites.length, 0);
  const total = pointReads + rangeReads + publicWrites + privateWrites;
  return { pointReads, rangeReads, publicWrites, privateWrites, total, perReading: Number((total / readings).toFixed(3)) };
}

/** Device-key import (once per meter) and signature checks of one batch, as one endorser's chaincode does them. */
function signatureChecks(batch: ReadingBatch, keys: MeterKeyStore): number {
  const pems = new Map<string, string>();
  for (const r of batch.readings) if (!pems.has(r.assetId)) pems.set(r.assetId, keys.get(r.assetId).publicKeyPem);
  const t0 = performance.now();
  const imported = new Map([...pems].map(([assetId, pem]) => [assetId, devicePublicKey(pem)]));
  for (const r of batch.readings) {
    const key = imported.get(r.assetId);
    if (!key || !verifyPayloadSignature(key, readingSigningPayload(r), r.signature)) throw new Error(`reading of ${r.assetId} does not verify`);
  }
  return performance.now() - t0;
}

/** Device-key import (once per meter) and one signature check per profile, as one endorser's chaincode does them. */
function profileSignatureChecks(batch: ProfileBatch, keys: MeterKeyStore): number {
  const pems = new Map<string, string>();
  for (const p of batch.profiles) if (!pems.has(p.assetId)) pems.set(p.assetId, keys.get(p.assetId).publicKeyPem);
  const t0 = performance.now();
  const imported = new Map([...pems].map(([assetId, pem]) => [assetId, devicePublicKey(pem)]));
  for (const p of batch.profiles) {
    const key = imported.get(p.assetId);
    if (!key || !verifyPayloadSignature(key, profileSigningPayload(p), p.signature)) throw new Error(`profile of ${p.assetId} does not verify`);
  }
  return performance.now() - t0;
}

export interface LoadProfileStages extends Omit<StageProfile, 'shape' | 'batchSize'> {
  meters: number;
  intervals: number;
  readings: number;
  requestBytes: number;
}

/** The stage breakdown of signed load profile batches (one at a time, medians), as for readings above. */
async function loadProfileStages(fixture: RestFixture, ledger: EmbeddedLedger, client: BenchHttpClient, auth: Readonly<Record<string, string>>, plan: readonly ProfileShape[], repeats: number): Promise<LoadProfileStages[]> {
  const next = profileSource(fixture, plan);
  const request = (batch: ProfileBatch) =>
    txRequest(TX.Metering.SubmitProfiles, { identity: HEAD_END, channel: 'energy' }, [], { profiles: { salt: batch.salt, profiles: batch.profiles.map((p) => ({ ...p, readings: [...p.readings] })) } });
  const out: LoadProfileStages[] = [];
  for (const { meters, intervals } of plan) {
    const size = meters * intervals;
    const { requestBytes, ...stages } = await measureStages({
      ledger,
      client,
      auth,
      path: '/api/v1/metering/profiles',
      label: `profiles ${meters} × ${intervals}`,
      size,
      repeats,
      next: () => next(meters, intervals),
      request,
      checks: (batch) => profileSignatureChecks(batch, fixture.keys),
    });
    out.push({ meters, intervals, readings: size, requestBytes, ...stages });
  }
  return out;
}

/** Profile shapes of the stage breakdown (each length with its own days of the fixture's profile region). */
const LOAD_PROFILE_PLAN: { quick: readonly ProfileShape[]; full: readonly ProfileShape[] } = {
  quick: [{ meters: 100, intervals: 96, batches: 0, days: 6 }],
  full: [
    { meters: 1000, intervals: 4, batches: 0, days: 4 },
    { meters: 100, intervals: 96, batches: 0, days: 6 },
  ],
};

export default async function profileSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const repeats = opts.quick ? 3 : 7;
  const plan: { shape: BatchShape; size: number }[] = [
    ...(opts.quick ? [1, 500] : [1, 100, 500, 1000]).map((size) => ({ shape: 'interval' as const, size })),
    { shape: 'day', size: 480 },
  ];
  // Interval-major batches hold one reading per meter: the fleet is as large as the largest batch.
  const fixture = await startRestFixture(Math.max(...plan.map((p) => p.size)));
  // node:http on a keep-alive agent (http-client.ts): the global fetch's own CPU would count as the gateway's stage.
  const client = new BenchHttpClient(fixture.gateway.url);
  try {
    const auth = { authorization: `Bearer ${fixture.gateway.keys[HEAD_END]}` };
    const { ledger } = fixture.gateway;
    if (!(ledger instanceof EmbeddedLedger)) throw new Error('the profile section runs on the embedded ledger');
    const request = (batch: ReadingBatch) => txRequest(TX.Metering.SubmitReadings, { identity: HEAD_END, channel: 'energy' }, [], { readings: { ...batch, readings: [...batch.readings] } });
    for (let i = 0; i < 3; i++) await ledger.submit(request(fixture.nextBatch(10)));

    const profiles: StageProfile[] = [];
    for (const { shape, size } of plan) {
      const { requestBytes: _requestBytes, ...stages } = await measureStages({
        ledger,
        client,
        auth,
        path: '/api/v1/metering/readings',
        label: `batch of ${size}`,
        size,
        repeats,
        next: () => fixture.nextBatch(size, shape),
        request,
        checks: (batch) => signatureChecks(batch, fixture.keys),
      });
      profiles.push({ shape, batchSize: size, ...stages });
    }
    const loadProfiles = await loadProfileStages(fixture, ledger, client, auth, opts.quick ? LOAD_PROFILE_PLAN.quick : LOAD_PROFILE_PLAN.full, repeats);
    return {
      description: 'Where one batch of device-signed readings spends its time on the embedded ledger (one batch at a time, medians)',
      loadProfiles,
      batchShapes: 'interval: one reading per meter (a quarter-hour as a head-end sends it); day: whole UTC days of a meter (96 readings each)',
      profiles,
    };
  } finally {
    client.close();
    await fixture.close();
  }
}

/**
 * Times `repeats` batches of one size through REST and, separately, through the port (endorsement, commit), with the
 * client's signing and the endorsers' signature checks; the first repeat also endorses (never orders) one more batch of
 * the kind for its read-write set. Medians; the REST request size is that of the last batch.
 */
async function measureStages<B>(m: {
  ledger: EmbeddedLedger;
  client: BenchHttpClient;
  auth: Readonly<Record<string, string>>;
  path: string;
  label: string;
  size: number;
  repeats: number;
  next: () => B;
  request: (batch: B) => ReturnType<typeof txRequest>;
  checks: (batch: B) => number;
}): Promise<Omit<StageProfile, 'shape' | 'batchSize'> & { requestBytes: number }> {
  const { ledger, size, repeats } = m;
  const signing: number[] = [];
  const rest: number[] = [];
  const endorsement: number[] = [];
  const commit: number[] = [];
  const checks: number[] = [];
  let endorsers = 0;
  let stateOps: StateOps | undefined;
  let requestBytes = 0;
  for (let i = 0; i < repeats; i++) {
    let t0 = performance.now();
    const viaRest = m.next();
    signing.push(performance.now() - t0);
    requestBytes = Buffer.byteLength(JSON.stringify(viaRest));
    t0 = performance.now();
    const answer = await m.client.submitCommitted<{ accepted: number }>(m.path, m.auth, viaRest);
    rest.push(performance.now() - t0);
    if (answer.result.accepted !== size) throw new Error(`${m.label}: ${answer.result.accepted} accepted`);

    const viaPort = m.next();
    if (i === 0) {
      // The read-write set of the same kind of batch, endorsed and dropped (never ordered).
      const endorsed = await ledger.runtime.endorse(await ledgerRequest(ledger, m.request(m.next())));
      endorsers = endorsed.endorsers.length;
      stateOps = stateOpsOf(endorsed.rwset, size);
    }
    t0 = performance.now();
    const pending = await ledger.startSubmit(m.request(viaPort));
    endorsement.push(performance.now() - t0);
    t0 = performance.now();
    await ledger.commitStatus(pending);
    commit.push(performance.now() - t0);
    checks.push(m.checks(viaPort));
  }
  const restMs = median(rest);
  const endorsementMs = median(endorsement);
  const commitMs = median(commit);
  const signatureChecksMs = Number((median(checks) * endorsers).toFixed(2));
  const gatewayMs = Number(Math.max(0, restMs - endorsementMs - commitMs).toFixed(2));
  const share = (v: number) => Number((v / restMs).toFixed(3));
  return {
    requestBytes,
    repeats,
    endorsers,
    clientSigningMs: median(signing),
    restMs,
    gatewayMs,
    endorsementMs,
    signatureChecksMs,
    commitMs,
    shares: {
      gateway: share(gatewayMs),
      endorsementOther: share(Math.max(0, endorsementMs - signatureChecksMs)),
      signatureChecks: share(signatureChecksMs),
      commit: share(commitMs),
    },
    stateOps: stateOps ?? stateOpsOf({ reads: [], rangeQueries: [], writes: [], collections: [] }, size),
    signatureCeilingReadingsPerSecond: Math.round((os.cpus().length * 1000 * size) / signatureChecksMs),
  };
}

/** The runtime request the port builds for a TransactionRequest (identity resolved), to endorse without ordering. */
async function ledgerRequest(ledger: EmbeddedLedger, request: ReturnType<typeof txRequest>) {
  const identity = ledger.identityMaterial(request.identity);
  if (!identity) throw new Error(`no identity ${request.identity}`);
  return {
    channel: request.channel,
    chaincode: 'obe',
    identity,
    fn: request.fn,
    args: [...(request.args ?? [])],
    transient: Object.fromEntries(Object.entries(request.transient ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    endorsingOrgs: request.endorsingOrgs ? [...request.endorsingOrgs] : undefined,
  };
}
