import { ApiError, readOrLocked } from './api.js';

/**
 * Reads everything the dashboard shows from the gateway API as one identity, and normalises it into the shapes
 * the panels draw. Private parts the identity may not read come back without their values (or as 403) and are
 * marked `visible: false`, which the panels render as locked.
 */
const WH_PER_KWH = 1000;

export async function loadDemoIdentities() {
  const response = await fetch('/api/v1/demo/identities', { headers: { Accept: 'application/json' } });
  if (!response.ok) return [];
  const body = await response.json();
  const list = Array.isArray(body) ? body : body.items || [];
  return list.map((i) => ({ label: i.label || i.identity, mspId: i.mspId, key: i.key || i.apiKey, roles: i.roles || [] }));
}

async function optional(read, fallback) {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return fallback;
    throw error;
  }
}

export async function loadDashboard(api, identity) {
  const [ready, results, orders, assets, aggregates, readings, balances, audit] = await Promise.all([
    optional(() => api.get('/readyz'), { status: 'unknown' }),
    optional(() => api.list('/api/v1/retail/results'), []),
    optional(() => api.list('/api/v1/retail/orders'), []),
    optional(() => api.list('/api/v1/registry/assets'), []),
    optional(() => api.list('/api/v1/metering/aggregates'), []),
    optional(() => api.list('/api/v1/metering/readings'), []),
    optional(() => api.list('/api/v1/tokens/balances'), []),
    readOrLocked(() => api.list('/api/v1/audit/attestations')),
  ]);
  const market = {
    priceUnit: 'units/kWh',
    results: results.map((r) => ({ interval: r.interval, zone: r.zone, price: r.price, volumeKwh: (r.volumeWh || 0) / WH_PER_KWH })),
  };
  const latest = [...market.results].sort((a, b) => (a.interval < b.interval ? 1 : -1))[0];
  return {
    status: `ledger: ${ready.ledger || ready.status}${heightText(ready)}`,
    market,
    curves: latest ? await loadCurves(api, latest) : undefined,
    orders: orders.map((o) => ({
      orderId: o.orderId,
      interval: o.interval,
      side: o.side,
      visible: Array.isArray(o.blocks),
      price: Array.isArray(o.blocks) && o.blocks[0] ? o.blocks[0].price : undefined,
      quantityKwh: Array.isArray(o.blocks) ? o.blocks.reduce((n, b) => n + b.quantityWh, 0) / WH_PER_KWH : undefined,
    })),
    grid: {
      assets: countAssets(assets),
      zoneBalance: zoneBalance(aggregates),
    },
    metering: {
      aggregates: aggregates.map((a) => ({ interval: a.interval, zone: a.zone, importKwh: (a.importWh || 0) / WH_PER_KWH, exportKwh: (a.exportWh || 0) / WH_PER_KWH })),
      readings: readings.map((r) => ({ meterId: r.meterId, interval: r.interval, visible: typeof r.energyWh === 'number', energyKwh: (r.energyWh || 0) / WH_PER_KWH })),
    },
    tokens: {
      unit: 'tokens',
      balances: balances.map((b) => ({ label: b.owner || b.account, visible: typeof b.balance === 'number', balance: b.balance })),
    },
    audit: audit.visible ? { visible: true, attestations: audit.value.map(normaliseAttestation) } : { visible: false },
    identity,
  };
}

function heightText(ready) {
  const channels = ready.channels || {};
  const energy = channels.energy;
  return energy && typeof energy.height === 'number' ? ` · energy block height ${energy.height}` : '';
}

async function loadCurves(api, result) {
  const curves = await readOrLocked(() => api.get(`/api/v1/retail/intervals/${encodeURIComponent(result.interval)}/zones/${encodeURIComponent(result.zone)}/curves`));
  if (!curves.visible) return { ...result, visible: false };
  const c = curves.value;
  return { ...result, visible: true, supply: cumulative(c.supply || []), demand: cumulative(c.demand || []) };
}

function cumulative(points) {
  let total = 0;
  return points.map((p) => {
    total += (p.quantityWh || 0) / WH_PER_KWH;
    return { price: p.price, quantityKwh: total };
  });
}

function countAssets(assets) {
  const counts = new Map();
  for (const a of assets) {
    const key = `${a.zone}\u0000${a.type || a.assetType}`;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return [...counts].map(([key, count]) => {
    const [zone, type] = key.split('\u0000');
    return { zone, type, count };
  });
}

function zoneBalance(aggregates) {
  const byZone = new Map();
  for (const a of aggregates) byZone.set(a.zone, (byZone.get(a.zone) || 0) + ((a.exportWh || 0) - (a.importWh || 0)) / WH_PER_KWH);
  return [...byZone].sort().map(([zone, netKwh]) => ({ zone, netKwh }));
}

function normaliseAttestation(a) {
  return { id: a.attestationId || a.id, interval: a.interval, zone: a.zone, records: a.recordCount ?? a.records, root: a.merkleRoot || a.root, blockNumber: a.blockNumber };
}

export async function verifyAttestation(api, attestation) {
  const outcome = await api.post('/api/v1/audit/verify', { attestationId: attestation.id });
  return { valid: outcome.valid === true, description: outcome.description || `record ${outcome.recordId || ''}` };
}
