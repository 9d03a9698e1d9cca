import crypto from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The end-to-end scenario over HTTP, shared by the embedded e2e test (test/e2e) and the real-network test
 * (test/fabric): register → commission → signed readings → orders → gate closure → clearing → settlement →
 * attestation on `audit` → the regulator verifies one record. At every step a non-member identity is shown to be
 * unable to see the private parts. It needs only a base URL, API keys per role and a clock.
 */

/** API keys by the part each identity plays. */
export interface ScenarioKeys {
  /** Grid operator admin: MARKET_OPERATOR, DSO (clears, settles, commissions, mints). */
  gridOperator: string;
  /** Utility admin: grants utility roles; RETAILER, so it runs the meter head-end for its org's meters. */
  utilityAdmin: string;
  /** Regulator admin: REGULATOR. */
  regulator: string;
  /** A prosumer selling PV energy. */
  seller: string;
  /** A consumer buying it. */
  buyer: string;
  /** Another prosumer of the same utility: no counterparty, no operator, no regulator — a non-member of every private part. */
  outsider: string;
}

/** The parts, played by the identities a gateway's first start creates (`keys`: API keys by identity label). */
export function scenarioKeys(keys: Record<string, string>): ScenarioKeys {
  return {
    gridOperator: keys['gridoperator-admin']!,
    utilityAdmin: keys['utility-admin']!,
    regulator: keys['regulator-admin']!,
    seller: keys['prosumer-01']!,
    buyer: keys['consumer-01']!,
    outsider: keys['prosumer-02']!,
  };
}

export interface ScenarioClock {
  now(): number;
  /** Resolves once the ledger's transaction time has reached `ms`. */
  waitUntil(ms: number): Promise<void>;
}

export interface ScenarioEnv {
  baseUrl: string;
  keys: ScenarioKeys;
  clock?: ScenarioClock;
  /** Zone name, unique per run so the scenario can run again on the same network. */
  zone?: string;
  /** Move gate closure to the interval start if governance allows it (default true), so the run waits less. */
  shortIntervals?: boolean;
  /** How long to wait for the audit relay's attestation. */
  attestationTimeoutMs?: number;
  log?: (message: string) => void;
  /** Called before a failed check throws (e.g. to print the gateway's log). */
  onFailure?: () => void;
  /**
   * The gateway runs the market operator agent: the scenario never calls /clear or /settle but waits for the agent's
   * clearing after gate closure and its settlement once the readings are in (up to `agentTimeoutMs`, default 2 min).
   */
  operatorAgent?: boolean;
  agentTimeoutMs?: number;
}

export interface ScenarioReport {
  zone: string;
  interval: string;
  clearingPrice: number | null;
  volumeWh: number;
  merkleRoot: string;
  verifiedOrderId: string;
  steps: string[];
}

export const realClock: ScenarioClock = {
  now: () => Date.now(),
  waitUntil: async (ms) => {
    while (Date.now() < ms) await new Promise((r) => setTimeout(r, Math.min(1000, ms - Date.now() + 5)));
  },
};

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

class ScenarioError extends Error {}

let onFailure: (() => void) | undefined;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    onFailure?.();
    throw new ScenarioError(message);
  }
}

/** True when any key named like a private field appears anywhere in the value. */
function containsPrivateField(value: unknown, fields: readonly string[]): boolean {
  if (Array.isArray(value)) return value.some((v) => containsPrivateField(v, fields));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => fields.includes(k) || containsPrivateField(v, fields));
  }
  return false;
}

export async function runScenario(env: ScenarioEnv): Promise<ScenarioReport> {
  const clock = env.clock ?? realClock;
  onFailure = env.onFailure;
  const zone = env.zone ?? `e2e-${crypto.randomBytes(3).toString('hex')}`;
  const steps: string[] = [];
  const step = (text: string) => {
    steps.push(text);
    env.log?.(text);
  };
  const call = async (key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(`${env.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text
    }
    check(res.status < 500 || res.status === 503, `${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return { status: res.status, body: parsed };
  };
  const ok = async (key: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> => {
    const reply = await call(key, method, path, body, headers);
    check(reply.status >= 200 && reply.status < 300, `${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 400)}`);
    return reply;
  };
  const k = env.keys;

  // 1. Market timing from governance. The interval length is fixed at the channel's first configuration (start the
  //    gateway with OBE_INTERVAL_MINUTES=1 OBE_GATE_CLOSURE_MINUTES=0 for a quick run); gate closure can still change.
  let { config } = (await ok(k.gridOperator, 'GET', '/api/v1/governance')).body as { config: { intervalMinutes: number; gateClosureMinutes: number } };
  if (env.shortIntervals !== false && config.gateClosureMinutes !== 0) {
    const patched = await call(k.gridOperator, 'PUT', '/api/v1/governance', { gateClosureMinutes: 0 });
    if (patched.status === 200) config = patched.body.result.config;
  }
  const lengthMs = config.intervalMinutes * 60_000;
  const gateMs = config.gateClosureMinutes * 60_000;
  step(`governance: ${config.intervalMinutes}-minute intervals, gate closure ${config.gateClosureMinutes} min before start`);

  // 2. Participants: each identity registers itself (pseudonym only); org admins grant roles.
  const pseudonym: Record<keyof ScenarioKeys, string> = {} as Record<keyof ScenarioKeys, string>;
  for (const who of Object.keys(k) as (keyof ScenarioKeys)[]) {
    const reg = await call(k[who], 'POST', '/api/v1/registry/participants');
    check(reg.status === 200 || reg.status === 409, `register ${who}: ${reg.status} ${JSON.stringify(reg.body)}`);
    pseudonym[who] = (await ok(k[who], 'GET', '/api/v1/registry/participants/me')).body.pseudonym;
  }
  const grant = (admin: string, who: keyof ScenarioKeys, role: string) =>
    ok(admin, 'POST', `/api/v1/registry/participants/${pseudonym[who]}/roles`, { role });
  await grant(k.gridOperator, 'gridOperator', 'MARKET_OPERATOR');
  await grant(k.gridOperator, 'gridOperator', 'DSO');
  await grant(k.regulator, 'regulator', 'REGULATOR');
  await grant(k.utilityAdmin, 'utilityAdmin', 'RETAILER');
  await grant(k.utilityAdmin, 'seller', 'PROSUMER');
  await grant(k.utilityAdmin, 'buyer', 'CONSUMER');
  await grant(k.utilityAdmin, 'outsider', 'PROSUMER');
  const denied = await call(k.utilityAdmin, 'POST', `/api/v1/registry/participants/${pseudonym.seller}/roles`, { role: 'MARKET_OPERATOR' });
  check(denied.status === 403, `a utility may not grant MARKET_OPERATOR: ${denied.status}`);
  step('participants registered; roles granted by their own org admins');

  // 3. Assets: meters with device keys, a community PV plant; commissioned by the DSO, activated by their owners.
  //    (Capacities are sized for 1-minute intervals: the chaincode refuses readings a meter's rating cannot deliver.)
  const device = (assetId: string) => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return { assetId, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  };
  const sellerMeter = device(`${zone}-meter-s`);
  const buyerMeter = device(`${zone}-meter-b`);
  const pvId = `${zone}-pv-s`;
  await ok(k.seller, 'POST', '/api/v1/registry/assets', { assetId: sellerMeter.assetId, type: 'meter', segment: 'retail', zone, capacityKw: 150, devicePublicKey: sellerMeter.publicKeyPem });
  await ok(k.seller, 'POST', '/api/v1/registry/assets', { assetId: pvId, type: 'pv', segment: 'retail', zone, capacityKw: 150 });
  await ok(k.buyer, 'POST', '/api/v1/registry/assets', { assetId: buyerMeter.assetId, type: 'meter', segment: 'retail', zone, capacityKw: 100, devicePublicKey: buyerMeter.publicKeyPem });
  const notDso = await call(k.seller, 'POST', `/api/v1/registry/assets/${pvId}/commission`);
  check(notDso.status === 403, `only a DSO commissions: ${notDso.status}`);
  for (const [owner, assetId] of [
    [k.seller, sellerMeter.assetId],
    [k.seller, pvId],
    [k.buyer, buyerMeter.assetId],
  ] as const) {
    await ok(k.gridOperator, 'POST', `/api/v1/registry/assets/${assetId}/commission`);
    const active = await ok(owner, 'POST', `/api/v1/registry/assets/${assetId}/activate`);
    check(active.body.result.status === 'ACTIVE', `asset ${assetId} active`);
  }
  const history = await ok(k.regulator, 'GET', `/api/v1/audit/history/asset/${pvId}`);
  check(Array.isArray(history.body) && history.body.length === 3, `asset history has register, commission, activate: ${history.body.length}`);
  step('assets registered, commissioned by the DSO and activated');

  // 4. Tokens for the buyer.
  await ok(k.gridOperator, 'POST', '/api/v1/tokens/mint', { account: pseudonym.buyer, amount: 100_000 });
  const notIssuer = await call(k.seller, 'POST', '/api/v1/tokens/mint', { account: pseudonym.seller, amount: 1 });
  check(notIssuer.status === 403, `only the issuer mints: ${notIssuer.status}`);
  step('tokens minted to the buyer');

  // 5. Orders for an interval far enough ahead to place them before its gate closes.
  // The first interval whose gate closes at least 10 s from now: time enough to place both orders.
  const start = Math.ceil((clock.now() + 10_000 + gateMs) / lengthMs) * lengthMs;
  const interval = new Date(start).toISOString();
  const sell = await ok(k.seller, 'POST', '/api/v1/retail/orders', { zone, interval, side: 'SELL', price: 10, quantityWh: 2000, assetId: pvId, meterId: sellerMeter.assetId });
  const buy = await ok(k.buyer, 'POST', '/api/v1/retail/orders', { zone, interval, side: 'BUY', price: 20, quantityWh: 1500, meterId: buyerMeter.assetId }, { 'Idempotency-Key': `${zone}-buy` });
  const buyAgain = await ok(k.buyer, 'POST', '/api/v1/retail/orders', { zone, interval, side: 'BUY', price: 20, quantityWh: 1500, meterId: buyerMeter.assetId }, { 'Idempotency-Key': `${zone}-buy` });
  check(buyAgain.body.txId === buy.body.txId, 'a retried order with the same Idempotency-Key returns the first result');
  for (const placed of [sell, buy]) {
    check(!containsPrivateField(placed.body, ['price', 'quantityWh', 'salt', 'blocks']), `a submit returns no private data: ${JSON.stringify(placed.body)}`);
  }
  const buyOrderId = buy.body.result.orderId as string;
  const sellOrderId = sell.body.result.orderId as string;
  const orderPath = (id: string) => `/api/v1/retail/intervals/${interval}/zones/${zone}/orders/${id}`;
  check((await ok(k.buyer, 'GET', orderPath(buyOrderId))).body.details, 'the owner sees its order details');
  check((await ok(k.regulator, 'GET', orderPath(buyOrderId))).body.details, 'the regulator sees order details');
  const outsiderOrder = await call(k.outsider, 'GET', orderPath(buyOrderId));
  check(outsiderOrder.status === 403 || (outsiderOrder.status === 200 && !outsiderOrder.body.details), 'a non-member sees no order details');
  const orders = await ok(k.outsider, 'GET', `/api/v1/retail/intervals/${interval}/zones/${zone}/orders`);
  check(orders.body.items.length === 2 && !containsPrivateField(orders.body, ['price', 'quantityWh', 'blocks']), 'public order list: commitments only');
  const early = await call(k.gridOperator, 'POST', `/api/v1/retail/intervals/${interval}/zones/${zone}/clear`);
  check(early.status === 422, `clearing before gate closure is a rule violation: ${early.status}`);
  step(`orders placed for ${interval}`);

  // 6. Gate closure, then clearing.
  await clock.waitUntil(start - gateMs + 1000);
  const late = await call(k.buyer, 'POST', '/api/v1/retail/orders', { zone, interval, side: 'BUY', price: 20, quantityWh: 100, meterId: buyerMeter.assetId });
  check(late.status === 422, `an order after gate closure is refused: ${late.status}`);
  const slotPath = `/api/v1/retail/intervals/${interval}/zones/${zone}`;
  /** The agent's work, seen from outside: the first 200 of a read, polled. */
  const byAgent = async (path: string, what: string): Promise<Reply> => {
    const until = Date.now() + (env.agentTimeoutMs ?? 120_000);
    for (;;) {
      const reply = await call(k.regulator, 'GET', path);
      if (reply.status === 200) return reply;
      check(reply.status === 404 && Date.now() < until, `the operator agent ${what} (last answer ${reply.status})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const publicResult = (env.operatorAgent
    ? (await byAgent(`${slotPath}/result`, 'cleared the interval after gate closure')).body
    : (await ok(k.gridOperator, 'POST', `${slotPath}/clear`)).body.result) as { price: number | null; volumeWh: number | null };
  // One buyer and one seller: the public result withholds the volume (small-group rule); the operator sees it.
  check(publicResult.volumeWh === null, `a one-buyer volume is not public, got ${publicResult.volumeWh}`);
  const operatorView = (await ok(k.gridOperator, 'GET', `/api/v1/retail/intervals/${interval}/zones/${zone}/result`)).body as { details?: { volumeWh: number } };
  const result = { price: publicResult.price, volumeWh: operatorView.details?.volumeWh ?? 0 };
  check(result.volumeWh === 1500, `cleared volume 1500 Wh, got ${result.volumeWh}`);
  const again = await call(k.gridOperator, 'POST', `/api/v1/retail/intervals/${interval}/zones/${zone}/clear`);
  check(again.status === 409, `clearing twice is a conflict: ${again.status}`);
  const awardPath = (id: string) => `/api/v1/retail/intervals/${interval}/zones/${zone}/awards/${id}`;
  check((await ok(k.buyer, 'GET', awardPath(buyOrderId))).body.details, 'the buyer sees its award');
  const outsiderAward = await call(k.outsider, 'GET', awardPath(sellOrderId));
  check(outsiderAward.status === 403 || (outsiderAward.status === 200 && !outsiderAward.body.details), 'a non-member sees no award details');
  const mine = await ok(k.buyer, 'GET', `/api/v1/retail/intervals/${interval}/zones/${zone}/my-awards`);
  check(mine.body.length === 1 && mine.body[0].details, 'my awards: one, with details');
  step(`cleared at ${result.price} per kWh, ${result.volumeWh} Wh`);

  // 7. After delivery: signed readings from the utility's meter head-end.
  await clock.waitUntil(start + lengthMs + 1000);
  const sign = (meter: ReturnType<typeof device>, importedWh: number, exportedWh: number, sequence: number) => {
    const reading = { assetId: meter.assetId, intervalStart: start, importedWh, exportedWh, sequence };
    const signature = crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), meter.privateKey).toString('base64');
    return { ...reading, signature };
  };
  const tampered = { ...sign(sellerMeter, 0, 1500, 1), exportedWh: 9999 };
  const forged = await call(k.utilityAdmin, 'POST', '/api/v1/metering/readings', { readings: [tampered] });
  check(forged.status === 400 || forged.status === 422 || forged.status === 403, `a reading whose signature does not match is refused: ${forged.status}`);
  const submitted = await ok(k.utilityAdmin, 'POST', '/api/v1/metering/readings', { readings: [sign(sellerMeter, 0, 1500, 1), sign(buyerMeter, 1500, 0, 1)] });
  check(!containsPrivateField(submitted.body, ['importedWh', 'exportedWh', 'signature', 'salt']), 'the readings submit returns no values');
  const readingPath = `/api/v1/metering/assets/${buyerMeter.assetId}/readings/${start}`;
  check((await ok(k.regulator, 'GET', readingPath)).body.reading.importedWh === 1500, 'the regulator reads the values');
  const outsiderReading = await call(k.outsider, 'GET', readingPath);
  check(outsiderReading.status === 403, `a non-member cannot read reading values: ${outsiderReading.status}`);
  const hash = await ok(k.outsider, 'GET', `${readingPath}/hash`);
  check(typeof hash.body.hash === 'string' && hash.body.importedWh === undefined, 'anyone sees the salted hash only');
  step('signed readings submitted; values visible to members only');

  // 8. Settlement against the metered delivery.
  const merkleRoot = (env.operatorAgent
    ? (await byAgent(`${slotPath}/settlement`, 'settled the interval once the readings were in')).body.merkleRoot
    : (await ok(k.gridOperator, 'POST', `${slotPath}/settle`)).body.result.merkleRoot) as string;
  check(/^[0-9a-f]{64}$/.test(merkleRoot), 'settlement publishes a Merkle root');
  const records = await ok(k.outsider, 'GET', `/api/v1/retail/intervals/${interval}/zones/${zone}/settlement/records`);
  check(records.body.items.length >= 2, 'settled records listed (leaf hashes)');
  const recordPath = `/api/v1/retail/intervals/${interval}/zones/${zone}/settlement/records/${buyOrderId}`;
  const outsiderRecord = await call(k.outsider, 'GET', recordPath);
  check(outsiderRecord.status === 403 || (outsiderRecord.status === 200 && !outsiderRecord.body.details), 'a non-member sees no settled amounts');
  step('settled; Merkle root published');

  // 9. The audit relay anchors the root on the audit channel.
  const attestationPath = `/api/v1/audit/attestations/RETAIL/${zone}/${interval}`;
  const deadline = Date.now() + (env.attestationTimeoutMs ?? 30_000);
  let attestation: Reply;
  for (;;) {
    attestation = await call(k.regulator, 'GET', attestationPath);
    if (attestation.status === 200 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  check(attestation.status === 200, `attestation anchored on audit: ${attestation.status} ${JSON.stringify(attestation.body)}`);
  check(attestation.body.merkleRoot === merkleRoot, 'the attested root is the settlement root');
  const utilityAudit = await call(k.utilityAdmin, 'GET', attestationPath);
  check(utilityAudit.status === 403, `the audit channel is closed to the utility: ${utilityAudit.status}`);
  step('attestation anchored on the audit channel');

  // 10. The regulator verifies one settled record against the attested root.
  const verifyPath = `/api/v1/audit/settlements/RETAIL/${zone}/${interval}/records/${buyOrderId}/verify`;
  const verification = await ok(k.regulator, 'GET', verifyPath);
  check(verification.body.verified === true, `the regulator verifies the record: ${JSON.stringify(verification.body.checks)}`);
  const outsiderVerify = await call(k.outsider, 'GET', verifyPath);
  check(outsiderVerify.status === 403, `a non-member cannot verify (cannot see the record): ${outsiderVerify.status}`);
  step('regulator verified a settled record against the attested Merkle root');

  return { zone, interval, clearingPrice: result.price, volumeWh: result.volumeWh, merkleRoot, verifiedOrderId: buyOrderId, steps };
}
