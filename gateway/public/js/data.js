import { ApiError, readOrLocked } from './api.js';

/**
 * Reads everything the dashboard shows from the gateway API as one identity and normalises it into the shapes the
 * panels draw. Private parts the identity may not read come back without their values (or as 403) and are marked
 * `visible: false`, which the panels render as locked. Prices are integer price units per kWh; energies are Wh.
 */
const WH_PER_KWH = 1000;
/** Orders listed with their details in the orders table. */
const MAX_ORDER_DETAILS = 50;
const MAX_READINGS = 12;

export async function loadDemoIdentities() {
  const response = await fetch('/api/v1/demo/identities', { headers: { Accept: 'application/json' } });
  if (!response.ok) return [];
  const body = await response.json();
  return (Array.isArray(body) ? body : []).map((i) => ({ label: i.label, mspId: i.mspId, key: i.key }));
}

async function optional(read, fallback) {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return fallback;
    throw error;
  }
}

/** Runs `task` over items, `limit` at a time. */
async function mapLimit(items, limit, task) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Intervals of per-zone results and totals the dashboard asks for. */
const RECENT_INTERVALS = 24;

/**
 * The latest intervals of a per-zone list (clearing results, zone totals). The gateway refuses a request whose
 * intervals × zones exceed its fan-out bound (400 INVALID_ARGUMENT), which a market with more than a few zones
 * reaches at 24 intervals: fewer intervals are then asked for, down to one, instead of failing the whole dashboard.
 */
async function recentPerZone(api, path) {
  for (let count = RECENT_INTERVALS; ; count = Math.floor(count / 2)) {
    try {
      return await api.list(path, { count });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400 || error.code !== 'INVALID_ARGUMENT' || count <= 1) throw error;
    }
  }
}

const slotPath = (market, zone, interval) =>
  `/api/v1/${market === 'WHOLESALE' ? 'wholesale' : 'retail'}/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}`;

export async function loadDashboard(api) {
  const [ready, results, assets, aggregates, balances, audit] = await Promise.all([
    optional(() => api.get('/readyz'), { status: 'unknown', channels: {} }),
    optional(() => recentPerZone(api, '/api/v1/retail/results'), []),
    optional(() => api.list('/api/v1/registry/assets'), []),
    optional(() => recentPerZone(api, '/api/v1/metering/aggregates'), []),
    // Balances are private: the market operator and the regulator list them all, anyone else sees their own.
    optional(() => api.list('/api/v1/tokens/balances'), null).then((all) => all ?? optional(async () => [await api.get('/api/v1/tokens/balance')], [])),
    readOrLocked(() => api.list('/api/v1/audit/attestations')),
  ]);
  const market = {
    priceUnit: 'units/kWh',
    results: results.map((r) => ({ interval: r.interval, zone: r.zone, price: r.price, volumeKwh: (r.volumeWh || 0) / WH_PER_KWH, buyOrders: r.buyOrders, sellOrders: r.sellOrders })),
  };
  // The latest cleared interval with trade, preferring the busiest zone.
  const latest = [...market.results].sort((a, b) => (a.interval === b.interval ? b.volumeKwh - a.volumeKwh : a.interval < b.interval ? 1 : -1))[0];
  const book = latest ? await loadOrderBook(api, latest) : { orders: [], curves: undefined };
  // Intervals nobody has reported for yet come back as zero totals; only metered intervals are drawn.
  const metered = aggregates.filter((a) => (a.readings || 0) > 0);
  const latestTotals = metered.length ? Math.max(...metered.map((a) => a.intervalStart)) : undefined;
  // Totals over fewer than k participants come back suppressed (values null): nothing to draw, and never a zero.
  const shown = metered.filter((a) => !a.suppressed && a.importedWh !== null && a.exportedWh !== null);
  return {
    status: `ledger: ${ready.ledger || ready.status}${heightText(ready)}`,
    market,
    curves: book.curves,
    orders: book.orders,
    grid: { assets: countAssets(assets), zoneBalance: zoneBalance(shown, latestTotals) },
    metering: {
      aggregates: shown.map((a) => ({ interval: new Date(a.intervalStart).toISOString(), zone: a.zone, importKwh: (a.importedWh || 0) / WH_PER_KWH, exportKwh: (a.exportedWh || 0) / WH_PER_KWH })),
      readings: latestTotals === undefined ? [] : await loadReadings(api, assets, latestTotals),
    },
    tokens: {
      unit: 'token units',
      balances: balances.map((b) => ({ label: b.account, visible: typeof b.available === 'number', balance: (b.available || 0) + (b.escrowed || 0) })),
    },
    // Certificate seals are attested too; the certificates panel (certificates-panel.js) shows and checks those.
    audit: audit.visible ? { visible: true, attestations: audit.value.filter((a) => a.market !== 'CERTIFICATES').map(normaliseAttestation) } : { visible: false },
  };
}

function heightText(ready) {
  const energy = (ready.channels || {}).energy;
  return energy && typeof energy.height === 'number' ? ` · energy block height ${energy.height}` : '';
}

/**
 * The orders of one zone and interval, with their private bodies where this identity may read them, and the
 * supply and demand curves the gateway builds from the order details this identity may see.
 */
async function loadOrderBook(api, result) {
  const base = slotPath('RETAIL', result.zone, result.interval);
  const [publicOrders, rawCurves] = await Promise.all([
    optional(() => api.list(`${base}/orders`), []),
    optional(() => api.get(`${base}/curves`), { supply: [], demand: [], visibleOrders: 0, totalOrders: 0 }),
  ]);
  const views = await mapLimit(publicOrders.slice(0, MAX_ORDER_DETAILS), 8, (o) =>
    optional(() => api.get(`${base}/orders/${encodeURIComponent(o.orderId)}`), { order: o }),
  );
  const orders = views.map(({ order, details }) => {
    const blocks = details && Array.isArray(details.blocks) ? details.blocks : undefined;
    return {
      orderId: order.orderId,
      interval: order.interval,
      side: order.side,
      visible: blocks !== undefined,
      price: blocks && blocks[0] ? blocks[0].price : undefined,
      quantityKwh: blocks ? blocks.reduce((n, b) => n + b.quantityWh, 0) / WH_PER_KWH : undefined,
    };
  });
  const curves = {
    ...result,
    // The curves are only meaningful with every order's limit: a partial view is shown as locked.
    visible: rawCurves.totalOrders > 0 && rawCurves.visibleOrders === rawCurves.totalOrders,
    hidden: rawCurves.totalOrders - rawCurves.visibleOrders,
    supply: steps(rawCurves.supply),
    demand: steps(rawCurves.demand),
  };
  return { orders, curves };
}

/** A step curve: cumulative quantity against limit price, blocks in the merit order the gateway gives. */
function steps(blocks) {
  let total = 0;
  const points = [];
  for (const b of blocks) {
    points.push({ price: b.price, quantityKwh: total });
    total += b.quantityWh / WH_PER_KWH;
    points.push({ price: b.price, quantityKwh: total });
  }
  return points;
}

async function loadReadings(api, assets, intervalStart) {
  const meters = assets.filter((a) => a.type === 'meter' && a.status === 'ACTIVE').slice(0, MAX_READINGS);
  const rows = await mapLimit(meters, 6, async (m) => {
    const path = `/api/v1/metering/assets/${encodeURIComponent(m.assetId)}/readings/${intervalStart}`;
    try {
      const r = await api.get(path);
      return { meterId: m.assetId, interval: new Date(intervalStart).toISOString(), visible: true, energyKwh: ((r.reading.exportedWh || 0) - (r.reading.importedWh || 0)) / WH_PER_KWH };
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) return { meterId: m.assetId, interval: new Date(intervalStart).toISOString(), visible: false };
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  });
  return rows.filter(Boolean);
}

function countAssets(assets) {
  const counts = new Map();
  for (const a of assets) {
    const key = `${a.zone}\u0000${a.type}`;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return [...counts].map(([key, count]) => {
    const [zone, type] = key.split('\u0000');
    return { zone, type, count };
  });
}

/** Net export (+) or import (−) of each zone in the latest metered interval. */
function zoneBalance(aggregates, intervalStart) {
  return aggregates
    .filter((a) => a.intervalStart === intervalStart)
    .map((a) => ({ zone: a.zone, netKwh: ((a.exportedWh || 0) - (a.importedWh || 0)) / WH_PER_KWH }))
    .sort((a, b) => (a.zone < b.zone ? -1 : 1));
}

function normaliseAttestation(a) {
  return { market: a.market, zone: a.zone, interval: a.interval, records: a.recordCount, root: a.merkleRoot, txId: a.txId };
}

/** Verifies the first settled record of an attested interval against the attested Merkle root. */
export async function verifyAttestation(api, attestation) {
  const base = slotPath(attestation.market, attestation.zone, attestation.interval);
  const records = await api.list(`${base}/settlement/records`);
  if (records.length === 0) return { valid: false, description: 'the attested interval has no settled records' };
  const orderId = records[0].orderId;
  const v = await api.get(`/api/v1/audit/settlements/${attestation.market}/${encodeURIComponent(attestation.zone)}/${encodeURIComponent(attestation.interval)}/records/${encodeURIComponent(orderId)}/verify`);
  return {
    valid: v.verified === true,
    description: `settled record of order ${orderId.slice(0, 12)}…${v.verified ? '' : ` failed: ${Object.entries(v.checks || {}).filter(([, ok]) => !ok).map(([k]) => k).join(', ')}`}`,
  };
}

/** The identity an API key acts as (GET /api/v1/me) with its effective roles on the energy channel (WhoAmI). */
export async function loadIdentity(api) {
  const me = await api.get('/api/v1/me');
  const whoami = await optional(() => api.get('/api/v1/registry/participants/me'), { effectiveRoles: [] });
  return { label: me.identity, mspId: me.mspId, roles: Array.isArray(whoami.effectiveRoles) ? whoami.effectiveRoles : [] };
}

/** The caller's own token balance (available and escrowed), or undefined when it has no account. */
export async function loadOwnBalance(api) {
  const b = await optional(() => api.get('/api/v1/tokens/balance'), undefined);
  return b && typeof b.available === 'number' ? { account: b.account, available: b.available, escrowed: b.escrowed || 0 } : undefined;
}

/** Roles that see the grid operator's panels: wholesale results, settlement and imbalance, the operator agent. */
export const OPERATOR_ROLES = ['MARKET_OPERATOR', 'DSO', 'REGULATOR'];
const MAX_SETTLEMENTS = 16;

const settlementPath = (market, zone, interval) =>
  market === 'WHOLESALE'
    ? `/api/v1/wholesale/intervals/${encodeURIComponent(interval)}/settlement`
    : `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}/settlement`;

/**
 * What a market operator, DSO or regulator watches: recent wholesale results, the settlement of recent cleared
 * intervals of both markets (public totals; a total withheld by the small-group rule stays null and is shown as
 * withheld), and the operator agent's status where this gateway serves it (absent: 404, or not this role: 403).
 */
export async function loadOperatorPanels(api, retailResults) {
  const [wholesale, agent] = await Promise.all([
    optional(() => recentPerZone(api, '/api/v1/wholesale/results'), []),
    (await servesOperatorStatus()) ? readOperatorStatus(api) : { available: false, reason: 'no operator agent on this gateway' },
  ]);
  const cleared = [
    ...retailResults.map((r) => ({ market: 'RETAIL', zone: r.zone, interval: r.interval, price: r.price })),
    ...wholesale.map((r) => ({ market: 'WHOLESALE', zone: r.zone, interval: r.interval, price: r.price })),
  ]
    .filter((r) => r.price !== null && r.price !== undefined)
    .sort((a, b) => (a.interval < b.interval ? 1 : a.interval > b.interval ? -1 : a.zone < b.zone ? -1 : 1))
    .slice(0, MAX_SETTLEMENTS);
  const summaries = await mapLimit(cleared, 6, (r) => optional(() => api.get(settlementPath(r.market, r.zone, r.interval)), undefined));
  const settlements = summaries.filter(Boolean).map((s) => ({
    market: s.market,
    zone: s.zone,
    interval: s.interval,
    price: s.price,
    records: s.recordCount,
    k: s.minPublicGroupSize,
    readingsComplete: s.readingsComplete,
    // Public totals: null when withheld (fewer than k participants on a side they cover).
    deliveredSellWh: s.deliveredSellWh,
    shortfallWh: s.shortfallWh,
    imbalanceCharged: s.imbalanceCharged,
    imbalanceUnpaid: s.imbalanceUnpaid,
    missingReadings: s.missingReadings,
    suppressed: Array.isArray(s.suppressed) ? s.suppressed : [],
  }));
  return {
    wholesale: wholesale.map((r) => ({ interval: r.interval, zone: r.zone, price: r.price, volumeWh: r.volumeWh, suppressed: r.suppressed, buyOrders: r.buyOrders, sellOrders: r.sellOrders })),
    settlements,
    agent,
  };
}

let operatorStatusServed;
/** Whether this gateway's API has the operator agent's status (asked once, of the public OpenAPI document). */
function servesOperatorStatus() {
  operatorStatusServed ??= fetch('/openapi.json', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : {}))
    .then((doc) => Boolean(doc && doc.paths && doc.paths['/api/v1/operator/status']))
    .catch(() => false);
  return operatorStatusServed;
}

function readOperatorStatus(api) {
  return api.get('/api/v1/operator/status').then(
    (status) => ({ available: true, status }),
    (error) => {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return { available: false, reason: error.status === 403 ? 'not for this role' : 'no operator agent on this gateway' };
      throw error;
    },
  );
}
