'use strict';
/**
 * Hyperledger Caliper workload module: OBE's Metering SubmitReadings with device-signed readings, as a head-end sends
 * them. Each worker registers, commissions and activates its own meters (each with its own P-256 device key) in
 * initializeWorkloadRound, then every transaction carries `batchSize` readings — one per meter, for an interval no
 * earlier batch of the round used — signed over the reading's canonical JSON and sent in the transient map
 * (`readings`), never as arguments. Function names, identities and the channel come from the round's arguments, which
 * scripts/caliper/generate.ts writes from OBE's transaction catalogue and connection config.
 *
 * Round arguments: { channel, contractId, headEnd, operator, meters, batchSize, fns: { register, commission,
 * activate, submitReadings } }. `headEnd` needs a head-end role (e.g. RETAILER) in its org and `operator` the DSO
 * role: `npm run bench -- --fabric` and the demo seed enrol them. The module implements Caliper's workload interface
 * (initializeWorkloadRound, submitTransaction, cleanupWorkloadRound) without requiring @hyperledger/caliper-core, so
 * it loads wherever Caliper is installed and can be tested without it.
 */
const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');

const INTERVAL_MS = 15 * 60_000;
const METERING_BACKDATE_MS = 30 * 24 * 3600_000;

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
    if (transientMap) request.transientMap = transientMap;
    return this.sutAdapter.sendRequests(request);
  }

  async initializeWorkloadRound(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
    Object.assign(this, { workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext });
    this.meters = [];
    this.cursor = 0;
    const a = this.roundArguments;
    const run = `${Date.now().toString(36)}-w${workerIndex}-r${roundIndex}`;
    const zone = `caliper-${run}`;
    for (let i = 0; i < a.meters; i++) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const assetId = `cal-${run}-${String(i).padStart(4, '0')}`;
      const devicePublicKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await this.#send(a.fns.register, [JSON.stringify({ assetId, type: 'meter', segment: 'retail', zone, capacityKw: 50, devicePublicKey })], a.headEnd);
      await this.#send(a.fns.commission, [JSON.stringify({ assetId, meteringFrom: Date.now() - METERING_BACKDATE_MS })], a.operator);
      await this.#send(a.fns.activate, [JSON.stringify({ assetId })], a.headEnd);
      this.meters.push({ assetId, privateKey });
    }
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

  async cleanupWorkloadRound() {
    this.meters = [];
  }
}

function createWorkloadModule() {
  return new SubmitReadingsWorkload();
}

module.exports.createWorkloadModule = createWorkloadModule;
