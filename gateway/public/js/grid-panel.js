/**
 * The DSO panel "Feeder loading": per zone node and interval, the retail awards on each feeder with an operating
 * envelope against its export and import limits (GET /api/v1/grid/…/loading, docs/grid.md), and the envelopes of
 * intervals not cleared yet. A total the small-group rule withholds (null) is shown as withheld.
 */
import { color, renderChart } from './charts.js';

const MAX_ZONES = 4;
const PAST = 6;
const AHEAD = 2;

async function optional(read, fallback) {
  try {
    return await read();
  } catch {
    return fallback;
  }
}

const slotPath = (zone, interval, what) => `/api/v1/grid/zones/${encodeURIComponent(zone)}/intervals/${encodeURIComponent(interval)}/${what}`;

/**
 * Rows {zone, interval, nodeId, exportWh, exportLimitWh, exportBound, importWh, importLimitWh, importBound, cleared},
 * newest interval first: the loading record where the interval is cleared, else its published envelopes.
 */
export async function loadFeederLoading(api) {
  const zones = (await optional(() => api.get('/api/v1/grid/nodes', { kind: 'ZONE' }), [])).slice(0, MAX_ZONES).map((n) => n.nodeId);
  if (zones.length === 0) return { zones, rows: [] };
  const intervals = (await optional(() => api.get('/api/v1/retail/intervals', { offset: -PAST, count: PAST + AHEAD + 1 }), [])).map((i) => i.interval);
  const slots = zones.flatMap((zone) => intervals.map((interval) => ({ zone, interval })));
  const rows = [];
  await Promise.all(
    slots.map(async ({ zone, interval }) => {
      const loading = await optional(() => api.get(slotPath(zone, interval, 'loading')), undefined);
      if (loading && loading.feeders.length > 0) {
        for (const f of loading.feeders) rows.push({ zone, interval, cleared: true, ...f });
        return;
      }
      const envelopes = await optional(() => api.get(slotPath(zone, interval, 'envelopes')), []);
      for (const e of envelopes) {
        rows.push({ zone, interval, cleared: false, nodeId: e.nodeId, exportLimitWh: e.exportLimitWh, importLimitWh: e.importLimitWh, exportWh: undefined, importWh: undefined, exportBound: undefined, importBound: undefined });
      }
    }),
  );
  rows.sort((a, b) => (a.interval < b.interval ? 1 : a.interval > b.interval ? -1 : a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : a.nodeId < b.nodeId ? -1 : 1));
  return { zones, rows };
}

function text(tag, value, cls) {
  const node = document.createElement(tag);
  node.textContent = value;
  if (cls) node.className = cls;
  return node;
}

const kwh = (wh) => (wh / 1000).toFixed(3);

/** "awarded / limit kWh", a withheld total, or the limit alone before clearing. */
function loadCell(awarded, limit, bound, cleared) {
  const td = document.createElement('td');
  td.className = 'num';
  const limitText = limit === null || limit === undefined ? 'no limit' : `${kwh(limit)}`;
  if (!cleared) td.textContent = `— / ${limitText}`;
  else if (awarded === null) td.append(text('span', 'withheld (< k)', 'withheld'), ` / ${limitText}`);
  else td.textContent = `${kwh(awarded)} / ${limitText}`;
  if (bound) {
    td.append(' ', text('b', 'bound', 'bound'));
    td.dataset.bound = 'true';
  }
  return td;
}

export function renderFeederLoading(data) {
  const tbody = document.querySelector('#table-feeder-loading tbody');
  const empty = document.getElementById('feeder-loading-empty');
  tbody.replaceChildren(
    ...data.rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.node = r.nodeId;
      tr.dataset.interval = r.interval;
      tr.append(
        text('td', `${r.interval.slice(0, 10)} ${r.interval.slice(11, 16)}`),
        text('td', r.zone),
        text('td', r.nodeId),
        loadCell(r.exportWh, r.exportLimitWh, r.exportBound, r.cleared),
        loadCell(r.importWh, r.importLimitWh, r.importBound, r.cleared),
        text('td', r.cleared ? 'cleared' : 'envelope published'),
      );
      return tr;
    }),
  );
  empty.hidden = data.rows.length > 0;
  // Chart: per feeder, awarded export (bars) against its export limit (line), oldest interval first.
  const intervals = [...new Set(data.rows.map((r) => r.interval))].sort();
  const nodes = [...new Set(data.rows.map((r) => `${r.zone}/${r.nodeId}`))].sort().slice(0, 4);
  const value = (node, interval, pick) => {
    const row = data.rows.find((r) => `${r.zone}/${r.nodeId}` === node && r.interval === interval);
    const v = row ? pick(row) : undefined;
    return v === null || v === undefined ? null : v / 1000;
  };
  renderChart('chart-feeder-loading', {
    type: 'bar',
    data: {
      labels: intervals.map((i) => i.slice(11, 16)),
      datasets: nodes.flatMap((node, n) => [
        { type: 'bar', label: `${node} export kWh`, backgroundColor: color(n, 0.6), data: intervals.map((i) => value(node, i, (r) => r.exportWh)) },
        { type: 'line', label: `${node} export limit`, borderColor: color(n), backgroundColor: color(n), borderDash: [5, 3], data: intervals.map((i) => value(node, i, (r) => r.exportLimitWh)) },
      ]),
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'kWh' } } } },
  });
}
