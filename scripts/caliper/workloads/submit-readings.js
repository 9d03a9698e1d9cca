'use strict';
/**
 * Hyperledger Caliper workload module: OBE's Metering SubmitReadings with device-signed readings, as a head-end sends
 * them. Each worker registers, commissions and activates its own meters (each with its own P-256 device key) in
 * initializeWorkloadModule, then every transaction carries `batchSize` readings — one per meter, for an interval no
 * earlier batch of the round used — signed over the reading's canonical JSON and sent in the transient map
 * (`readings`), never as arguments. Function names, identities and the channel come from the round's arguments, which
 * scripts/caliper/generate.ts writes from OBE's transaction catalogue and connection config.
 *
 * Round arguments: { channel, contractId, headEnd, operator, mspIds: { [identity]: mspId }, meters, batchSize, fns:
 * { register, commission, activate, submitReadings } }. `headEnd` needs a head-end role (e.g. RETAILER) in its org and `operator` the DSO
 * role: `npm run bench -- --fabric` and the demo seed enrol them. The module implements Caliper 0.6's workload
 * interface (initializeWorkloadModule, submitTransaction, cleanupWorkloadModule) without requiring
 * @hyperledger/caliper-core, so it loads wherever Caliper is installed and can be tested without it.
 *
 * Setup is checked: Caliper's Fabric connector reports a failed transaction as a TxStatus instead of throwing, and on a
 * network the peer that endorses the commissioning may not yet have committed the block that registered the meter
 * (each peer pulls blocks from the orderer on its own), so a refused commissioning or activation is retried for a few
 * seconds and the round fails loudly if it still is. Meters are set up SETUP_CONCURRENCY at a time.
 */
const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const { setTimeout } = require('node:timers');

const INTERVAL_MS = 15 * 60_000;
const METERING_BACKDATE_MS = 30 * 24 * 3600_000;
const SETUP_CONCURRENCY = 25;
const SETUP_ATTEMPTS = 20;
const SETUP_RETRY_MS = 250;

/** Caliper's connector returns a TxStatus (GetStatus() 'success' or 'failed'); anything else counts as sent. */
function failed(status) {
  return Boolean(status && typeof status.GetStatus === 'function' && status.GetStatus() !== 'success');
}

function errorOf(status) {
  return typeof status.GetErrMsg === 'function' && status.GetErrMsg() ? status.GetErrMsg() : 'transaction failed';
}

/** RFC 8785 canonical JSON of a reading's signed fields (integers and ASCII strings only, so key order suffices). */
function signingPayload(r) {
  return JSON.stringify({ assetId: r.assetId, exportedWh: r.exportedWh, importedWh: r.importedWh, intervalStart: r.intervalStart, sequence: r.sequence });
}

class SubmitReadingsWorkload {
  constructor() {
    this.meters = [];
    this.cursor = 0;
  }

  async #send(fn, args, identity, transientMap) {
    const a = this.roundArguments;
    const request = { contractId: a.contractId, channel: a.channel, contractFunction: fn, contractArguments: args, invokerIdentity: identity, readOnly: false };
    // Caliper looks an identity up in the first organization of its network config unless told the MSP.
    if (a.mspIds && a.mspIds[identity]) request.invokerMspId = a.mspIds[identity];
    if (transientMap) request.transientMap = transientMap;
    return this.sutAdapter.sendRequests(request);
  }

  /** A setup transaction that must succeed: retried while the endorsing peers catch up with the previous block. */
  async #setup(fn, args, identity, retry) {
    for (let attempt = 1; ; attempt++) {
      const status = await this.#send(fn, args, identity);
      if (!failed(status)) return;
      if (!retry || attempt >= SETUP_ATTEMPTS) throw new Error(`setup ${fn} as ${identity} failed: ${errorOf(status)}`);
      await new Promise((resolve) => setTimeout(resolve, SETUP_RETRY_MS));
    }
  }

  async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
    Object.assign(this, { workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext });
    this.meters = [];
    this.cursor = 0;
    const a = this.roundArguments;
    const run = `${Date.now().toString(36)}-w${workerIndex}-r${roundIndex}`;
    const zone = `caliper-${run}`;
    const meters = Array.from({ length: a.meters }, (_, i) => {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      return { assetId: `cal-${run}-${String(i).padStart(4, '0')}`, privateKey, devicePublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    });
    for (let i = 0; i < meters.length; i += SETUP_CONCURRENCY) {
      await Promise.all(
        meters.slice(i, i + SETUP_CONCURRENCY).map(async ({ assetId, devicePublicKey }) => {
          await this.#setup(a.fns.register, [JSON.stringify({ assetId, type: 'meter', segment: 'retail', zone, capacityKw: 50, devicePublicKey })], a.headEnd, false);
          await this.#setup(a.fns.commission, [JSON.stringify({ assetId, meteringFrom: Date.now() - METERING_BACKDATE_MS })], a.operator, true);
          await this.#setup(a.fns.activate, [JSON.stringify({ assetId })], a.headEnd, true);
        }),
      );
    }
    this.meters = meters.map(({ assetId, privateKey }) => ({ assetId, privateKey }));
    // The activations committed on the head-end's peer; give the other endorsing peers a moment to commit them too.
    await new Promise((resolve) => setTimeout(resolve, a.settleMs ?? 1000));
    this.lastEnded = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
  }

  async submitTransaction() {
    const a = this.roundArguments;
    const readings = [];
    for (let k = 0; k < a.batchSize; k++) {
      const i = this.cursor++;
      const meter = this.meters[i % this.meters.length];
      const intervalStart = this.lastEnded - Math.floor(i / this.meters.length) * INTERVAL_MS;
      const reading = { assetId: meter.assetId, intervalStart, importedWh: 100 + (i % 900), exportedWh: i % 500, sequence: intervalStart / 1000 };
      const signature = crypto.sign('sha256', Buffer.from(signingPayload(reading)), meter.privateKey).toString('base64');
      readings.push({ ...reading, signature });
    }
    const batch = { salt: crypto.randomBytes(24).toString('base64url'), readings };
    return this.#send(a.fns.submitReadings, [], a.headEnd, { readings: Buffer.from(JSON.stringify(batch)) });
  }

  async cleanupWorkloadModule() {
    this.meters = [];
  }
}

function createWorkloadModule() {
  return new SubmitReadingsWorkload();
}

module.exports.createWorkloadModule = createWorkloadModule;
