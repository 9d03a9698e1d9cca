import { Api, ApiError } from './api.js';
import { color, renderChart, clearChart } from './charts.js';
import { OPERATOR_ROLES, loadDashboard, loadDemoIdentities, loadIdentity, loadOperatorPanels, loadOwnBalance, verifyAttestation } from './data.js';
import { followEvents } from './sse.js';
import { loadFeederLoading, renderFeederLoading } from './grid-panel.js';
import { loadCertificates, renderCertificates } from './certificates-panel.js';
import { lockedLabel, orgName, visibilityOf } from './transparency.js';

/**
 * The OBE dashboard: every panel is read from the gateway API as one identity — the one whose API key the user signed
 * in with, or on the embedded demo the one chosen under "View as" — so private values appear only for identities
 * whose org may read them and show as locked for everyone else. Panels follow the identity's org and roles (WhoAmI):
 * a market operator, DSO or regulator also sees wholesale results, settlement and imbalance, and the operator agent.
 *
 * The API key is kept in sessionStorage only (gone when the tab closes; never localStorage, never in a URL), sent as
 * the Authorization header, and removed on sign-out.
 */
const state = { identities: [], current: undefined, events: undefined, refreshTimer: undefined, loading: false };
const SESSION_KEY = 'obe.apiKey';

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function locked(mspId) {
  return el('span', { class: 'locked', text: lockedLabel(mspId), title: 'private data: this identity’s org is not in the transparency group' });
}

function fmt(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
}

function shortHash(hash) {
  return hash ? `${hash.slice(0, 10)}…` : '—';
}

function fillTable(tableId, rows) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const cols = $(tableId).querySelectorAll('th').length;
    body.append(el('tr', {}, el('td', { class: 'empty', colSpan: cols, text: 'nothing yet' })));
  }
}

function cell(content, cls) {
  const td = el('td', cls ? { class: cls } : {});
  if (content instanceof window.Node) td.append(content);
  else td.textContent = content === undefined || content === null ? '—' : String(content);
  return td;
}

// ---- identity selector and banner -------------------------------------------------------------------------------

function renderBanner() {
  const id = state.current;
  const banner = $('identity-banner');
  $('signed-in').hidden = !id || id.via !== 'key';
  $('sign-in').hidden = Boolean(id && id.via === 'key');
  $('signed-in-as').textContent = id && id.via === 'key' ? `${id.label} · ${orgName(id.mspId)}` : '';
  // "View as" names a demo identity only while the page acts as one.
  if (!id || id.via === 'key') $('view-as').selectedIndex = -1;
  document.querySelector('main.grid').hidden = !id;
  if (!id) {
    delete banner.dataset.org;
    banner.textContent = state.identities.length
      ? 'Signed out. Sign in with an API key, or pick a demo identity under "View as".'
      : 'Sign in with your API key (top right) to see what your identity may read on the ledger.';
    return;
  }
  const parts = visibilityOf(id.mspId).map((v) =>
    el('span', { class: `tag ${v.can === 'none' ? 'cannot' : 'can'}`, text: `${v.can === 'none' ? '✗' : '✓'} ${v.data}${v.can === 'own' ? ` (${v.note} only)` : ''}` }),
  );
  banner.replaceChildren(
    el('strong', { text: `${id.via === 'key' ? 'Signed in as' : 'Viewing as'} ${id.label}` }),
    ` — ${orgName(id.mspId)} (${id.mspId}). `,
    ...(id.roles || []).map((r) => el('span', { class: 'role', text: r })),
    ' ',
    ...parts,
    el('span', { class: 'account', id: 'my-account' }),
  );
  banner.dataset.org = id.mspId;
}

/** Demo only: act as one of the demo identities (their keys come from /api/v1/demo/identities). */
function selectIdentity(label) {
  const chosen = state.identities.find((i) => i.label === label) || state.identities[0];
  state.current = chosen ? { ...chosen, via: 'demo', roles: [] } : undefined;
  if (state.current) localStorage.setItem('obe.viewAs', state.current.label);
  $('view-as').value = state.current ? state.current.label : '';
  identityChanged();
}

function identityChanged() {
  hideRolePanels();
  renderBanner();
  restartEvents();
  refresh();
}

function showSignInError(message) {
  const box = $('sign-in-error');
  box.hidden = !message;
  box.textContent = message || '';
}

/** Signs in with an API key: checks it (GET /api/v1/me), keeps it for this browser tab only. */
async function signIn(key) {
  const api = new Api(key);
  let who;
  try {
    who = await loadIdentity(api);
  } catch (error) {
    showSignInError(error instanceof ApiError && error.status === 401 ? 'That API key is not valid on this gateway.' : `Sign-in failed: ${error.message}`);
    return false;
  }
  window.sessionStorage.setItem(SESSION_KEY, key);
  showSignInError('');
  state.current = { label: who.label, mspId: who.mspId, roles: who.roles, key, via: 'key' };
  document.body.dataset.signedIn = 'true';
  identityChanged();
  return true;
}

function signOut() {
  window.sessionStorage.removeItem(SESSION_KEY);
  document.body.dataset.signedIn = 'false';
  if (state.events) state.events.close();
  state.events = undefined;
  state.current = undefined;
  delete document.body.dataset.loaded;
  delete document.body.dataset.viewAs;
  hideRolePanels();
  renderBanner();
}

// ---- panels -----------------------------------------------------------------------------------------------------

function renderMarket(market) {
  const results = market.results;
  const intervals = [...new Set(results.map((r) => r.interval))].sort();
  const zones = [...new Set(results.map((r) => r.zone))].sort();
  const labels = intervals.map((i) => new Date(i).toISOString().slice(11, 16));
  const volume = zones.map((zone, zi) => ({
    type: 'bar',
    label: `${zone} volume (kWh)`,
    yAxisID: 'volume',
    backgroundColor: color(zi, 0.55),
    data: intervals.map((i) => results.find((r) => r.interval === i && r.zone === zone)?.volumeKwh ?? null),
  }));
  const price = zones.map((zone, zi) => ({
    type: 'line',
    label: `${zone} price`,
    yAxisID: 'price',
    borderColor: color(zi + 1),
    backgroundColor: color(zi + 1),
    spanGaps: true,
    data: intervals.map((i) => results.find((r) => r.interval === i && r.zone === zone)?.price ?? null),
  }));
  $('card-market').querySelector('.empty').hidden = results.length > 0;
  renderChart('chart-clearing', {
    type: 'bar',
    data: { labels, datasets: [...volume, ...price] },
    options: {
      scales: {
        volume: { type: 'linear', position: 'left', title: { display: true, text: 'kWh' }, beginAtZero: true },
        price: { type: 'linear', position: 'right', title: { display: true, text: `price (${market.priceUnit})` }, grid: { drawOnChartArea: false } },
      },
    },
  });
}

function renderCurves(curves) {
  const note = $('curves-note');
  if (!curves) {
    clearChart('chart-curves');
    note.textContent = 'No cleared interval yet.';
    return;
  }
  $('curves-interval').textContent = `${curves.zone}, interval ${curves.interval.slice(11, 16)} UTC`;
  if (!curves.visible) {
    clearChart('chart-curves');
    note.replaceChildren(
      locked(state.current.mspId),
      ` ${curves.hidden} of the orders behind these curves are private to other participants; the clearing price (${fmt(curves.price, 0)}) and volume (${fmt(curves.volumeKwh, 3)} kWh) are public.`,
    );
    return;
  }
  note.textContent = curves.price === null || curves.price === undefined ? 'no crossing: nothing cleared' : `cleared at ${fmt(curves.price, 0)} units/kWh for ${fmt(curves.volumeKwh, 3)} kWh`;
  renderChart('chart-curves', {
    type: 'line',
    data: {
      datasets: [
        { label: 'supply', data: curves.supply.map((p) => ({ x: p.quantityKwh, y: p.price })), borderColor: color(0), backgroundColor: color(0), pointRadius: 0 },
        { label: 'demand', data: curves.demand.map((p) => ({ x: p.quantityKwh, y: p.price })), borderColor: color(1), backgroundColor: color(1), pointRadius: 0 },
      ],
    },
    options: {
      parsing: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'cumulative kWh' } }, y: { title: { display: true, text: 'price' } } },
    },
  });
}

function renderOrders(orders) {
  const mspId = state.current.mspId;
  fillTable('table-orders', orders.slice(0, 200).map((o) =>
    el('tr', { 'data-visible': String(o.visible) },
      cell(o.orderId.slice(0, 8), 'mono'),
      cell(o.interval.slice(11, 16)),
      cell(o.side),
      o.visible ? cell(fmt(o.price, 0), 'num') : cell(locked(mspId)),
      o.visible ? cell(fmt(o.quantityKwh, 3), 'num') : cell(locked(mspId)),
    )));
}

function renderGrid(grid) {
  const zones = [...new Set(grid.assets.map((a) => a.zone))].sort();
  const types = [...new Set(grid.assets.map((a) => a.type))].sort();
  renderChart('chart-assets', {
    type: 'bar',
    data: {
      labels: zones,
      datasets: types.map((type, ti) => ({
        label: type,
        backgroundColor: color(ti, 0.8),
        data: zones.map((z) => grid.assets.filter((a) => a.zone === z && a.type === type).reduce((n, a) => n + a.count, 0)),
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'assets' } } } },
  });
  renderChart('chart-zones', {
    type: 'bar',
    data: {
      labels: grid.zoneBalance.map((z) => z.zone),
      datasets: [{
        label: 'net export (+) / import (−) kWh',
        data: grid.zoneBalance.map((z) => z.netKwh),
        backgroundColor: grid.zoneBalance.map((z) => (z.netKwh >= 0 ? color(0, 0.7) : color(3, 0.7))),
      }],
    },
    options: { plugins: { legend: { display: false } } },
  });
}

function renderMetering(metering) {
  const intervals = [...new Set(metering.aggregates.map((a) => a.interval))].sort();
  const zones = [...new Set(metering.aggregates.map((a) => a.zone))].sort();
  renderChart('chart-metering', {
    type: 'line',
    data: {
      labels: intervals.map((i) => i.slice(11, 16)),
      datasets: zones.flatMap((zone, zi) => [
        { label: `${zone} export`, borderColor: color(zi * 2), backgroundColor: color(zi * 2), data: intervals.map((i) => metering.aggregates.find((a) => a.zone === zone && a.interval === i)?.exportKwh ?? null) },
        { label: `${zone} import`, borderColor: color(zi * 2 + 1), backgroundColor: color(zi * 2 + 1), borderDash: [4, 3], data: intervals.map((i) => metering.aggregates.find((a) => a.zone === zone && a.interval === i)?.importKwh ?? null) },
      ]),
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'kWh' } } } },
  });
  const mspId = state.current.mspId;
  fillTable('table-readings', metering.readings.slice(0, 100).map((r) =>
    el('tr', { 'data-visible': String(r.visible) },
      cell(r.meterId.slice(0, 14), 'mono'),
      cell(r.interval.slice(11, 16)),
      r.visible ? cell(`${fmt(r.energyKwh, 3)} kWh`, 'num') : cell(locked(mspId)),
    )));
}

/** Balances: the largest accounts in the chart, the first 50 by balance in the table (pseudonyms shortened). */
function renderTokens(tokens) {
  const mspId = state.current.mspId;
  const sorted = [...tokens.balances].sort((a, b) => (b.balance || 0) - (a.balance || 0));
  const top = sorted.filter((b) => b.visible).slice(0, 10);
  const short = (label) => (label.length > 14 ? `${label.slice(0, 12)}…` : label);
  renderChart('chart-balances', {
    type: 'bar',
    data: { labels: top.map((b) => short(b.label)), datasets: [{ label: `balance (${tokens.unit})`, data: top.map((b) => b.balance), backgroundColor: color(2, 0.7) }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } } },
  });
  fillTable('table-balances', sorted.slice(0, 50).map((b) =>
    el('tr', { 'data-visible': String(b.visible) }, cell(short(b.label), 'mono'), b.visible ? cell(fmt(b.balance, 0), 'num') : cell(locked(mspId)))));
}

function renderAudit(audit) {
  const mspId = state.current.mspId;
  const result = $('verify-result');
  if (!audit.visible) {
    fillTable('table-audit', [el('tr', {}, el('td', { colSpan: 5 }, locked(mspId), ' the audit channel is shared by the grid operator and the regulator only'))]);
    result.textContent = '';
    return;
  }
  fillTable('table-audit', audit.attestations.map((a) => {
    const button = el('button', { text: 'Verify', type: 'button' });
    button.dataset.attestation = `${a.market}/${a.zone}/${a.interval}`;
    button.addEventListener('click', () => onVerify(a, button));
    return el('tr', {}, cell(`${a.market.toLowerCase()} ${a.zone} ${a.interval.slice(11, 16)}`), cell(a.records, 'num'), cell(shortHash(a.root), 'mono'), cell(shortHash(a.txId), 'mono'), cell(button));
  }));
}

async function onVerify(attestation, button) {
  const result = $('verify-result');
  button.disabled = true;
  result.className = 'verify-result';
  result.textContent = 'verifying…';
  try {
    const outcome = await verifyAttestation(new Api(state.current.key), attestation);
    result.className = `verify-result ${outcome.valid ? 'ok' : 'bad'}`;
    result.textContent = outcome.valid
      ? `✓ ${outcome.description}: hashes to a leaf of Merkle root ${shortHash(attestation.root)} anchored on the audit channel.`
      : `✗ ${outcome.description}`;
  } catch (error) {
    result.className = 'verify-result bad';
    result.textContent = error instanceof ApiError && error.forbidden ? `${lockedLabel(state.current.mspId)}: ${error.message}` : `verification failed: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- operator, DSO and regulator panels -------------------------------------------------------------------------

function hideRolePanels() {
  for (const card of document.querySelectorAll('.role-panel')) card.hidden = true;
}

/** A public total, or "withheld (< k)" when the small-group rule withheld it (null). */
function total(value, k, scale = 1, digits = 0) {
  if (value === null) return cell(el('span', { class: 'withheld', text: `withheld (< ${k})`, title: `fewer than ${k} participants on a side this total covers` }));
  if (value === undefined) return cell('—');
  const n = typeof value === 'string' ? Number(value) : value;
  return cell(Number.isFinite(n) ? fmt(n / scale, digits) : String(value), 'num');
}

function renderSettlement(settlements) {
  fillTable('table-settlement', settlements.map((s) =>
    el('tr', { 'data-market': s.market, 'data-suppressed': s.suppressed.join(',') },
      cell(s.market.toLowerCase()),
      cell(s.zone),
      cell(`${s.interval.slice(0, 10)} ${s.interval.slice(11, 16)}`),
      cell(s.price === null ? '—' : fmt(s.price, 0), 'num'),
      cell(s.records, 'num'),
      total(s.deliveredSellWh, s.k, 1000, 3),
      total(s.shortfallWh, s.k, 1000, 3),
      total(s.imbalanceCharged, s.k),
      total(s.imbalanceUnpaid, s.k),
      total(s.missingReadings, s.k),
    )));
}

function renderWholesale(results) {
  const sorted = [...results].sort((a, b) => (a.interval < b.interval ? 1 : -1)).slice(0, 24);
  fillTable('table-wholesale', sorted.map((r) =>
    el('tr', {},
      cell(`${r.interval.slice(0, 10)} ${r.interval.slice(11, 16)}`),
      cell(r.price === null || r.price === undefined ? 'no trade' : fmt(r.price, 0), 'num'),
      r.volumeWh === null ? cell(el('span', { class: 'withheld', text: 'withheld (< k)' })) : cell(fmt((r.volumeWh || 0) / 1e6, 3), 'num'),
      cell(`${r.buyOrders ?? 0} / ${r.sellOrders ?? 0}`, 'num'),
    )));
}

function renderOperator(agent) {
  const summary = $('operator-summary');
  if (!agent.available) {
    $('operator-state').textContent = agent.reason;
    summary.replaceChildren();
    fillTable('table-operator', []);
    return;
  }
  const s = agent.status || {};
  if (s.enabled === false) {
    $('operator-state').replaceChildren(el('span', { class: 'state-other', text: 'off' }));
    summary.replaceChildren(el('span', { class: 'empty', text: 'The market operator agent is not running on this gateway: clearing and settlement are done by hand or by another gateway.' }));
    fillTable('table-operator', []);
    return;
  }
  const running = s.state === 'running' || s.state === 'idle';
  $('operator-state').replaceChildren(el('span', { class: running ? 'state-running' : 'state-other', text: s.enabled === false ? 'off' : String(s.state || 'unknown') }), s.identity ? ` as ${s.identity}` : '');
  const totals = s.totals || {};
  const pending = s.pending || {};
  const kv = (k, v) => el('span', {}, `${k} `, el('b', { text: String(v ?? '—') }));
  summary.replaceChildren(
    kv('cleared', totals.cleared), kv('settled', totals.settled), kv('published', totals.published), kv('failures', totals.failures),
    kv('pending', Object.values(pending).reduce((n, v) => n + (Number(v) || 0), 0)),
    kv('last tick', s.lastTickAt ? s.lastTickAt.slice(11, 19) : '—'),
    ...(s.lastError ? [el('span', { class: 'error-box', text: `last error: ${s.lastError}` })] : []),
  );
  fillTable('table-operator', (Array.isArray(s.recent) ? s.recent : []).slice(0, 12).map((a) =>
    el('tr', {}, cell(String(a.at || '').slice(11, 19)), cell(a.action), cell(String(a.market || '').toLowerCase()), cell(a.zone), cell(String(a.interval || '').slice(11, 16)), cell(a.outcome))));
}

function renderOwnBalance(balance) {
  const box = $('my-account');
  if (!box) return;
  box.textContent = balance ? `Balance: ${fmt(balance.available, 0)} tokens available${balance.escrowed ? `, ${fmt(balance.escrowed, 0)} in escrow` : ''}` : '';
}

function renderStatus(status) {
  $('ledger-status').textContent = status;
}

async function refresh() {
  if (!state.current || state.loading) return;
  state.loading = true;
  const current = state.current;
  const forLabel = current.label;
  try {
    const api = new Api(current.key);
    const [data, who, balance] = await Promise.all([loadDashboard(api), loadIdentity(api), loadOwnBalance(api)]);
    if (state.current !== current) return;
    if ((current.roles || []).join() !== who.roles.join()) {
      current.roles = who.roles;
      renderBanner();
    }
    renderOwnBalance(balance);
    const staff = who.roles.some((r) => OPERATOR_ROLES.includes(r));
    if (staff) {
      const [panels, feederLoading] = await Promise.all([loadOperatorPanels(api, data.market.results), loadFeederLoading(api)]);
      if (state.current !== current) return;
      renderFeederLoading(feederLoading);
      renderSettlement(panels.settlements);
      renderWholesale(panels.wholesale);
      renderOperator(panels.agent);
    }
    for (const card of document.querySelectorAll('.role-panel')) card.hidden = !staff;
    renderStatus(data.status);
    renderMarket(data.market);
    renderCurves(data.curves);
    renderOrders(data.orders);
    renderGrid(data.grid);
    renderMetering(data.metering);
    renderTokens(data.tokens);
    renderAudit(data.audit);
    const certificates = await loadCertificates(api, who);
    if (state.current !== current) return;
    renderCertificates(certificates);
    document.body.dataset.loaded = 'true';
    document.body.dataset.viewAs = forLabel;
    document.body.dataset.roles = who.roles.join(',');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && current.via === 'key' && state.current === current) {
      // The key was revoked (or the gateway forgot it): back to signed out, with a reason.
      signOut();
      showSignInError('Your API key is no longer valid on this gateway; you have been signed out.');
      return;
    }
    renderStatus(`error: ${error.message}`);
    console.warn('dashboard refresh failed', error);
  } finally {
    state.loading = false;
  }
}

// ---- live events ------------------------------------------------------------------------------------------------

let refreshSoon;
function onLedgerEvent(name, event) {
  const log = $('event-log');
  const when = new Date().toISOString().slice(11, 19);
  log.prepend(el('li', {},
    el('span', { class: 'meta', text: `${when} · block ${event.blockNumber ?? '?'}` }),
    el('span', { class: 'name', text: name }),
    el('span', { class: 'mono', text: summarise(event.payload) }),
  ));
  while (log.children.length > 100) log.lastChild.remove();
  // Several events arrive per block; refresh once they settle.
  clearTimeout(refreshSoon);
  refreshSoon = setTimeout(refresh, 800);
}

function summarise(payload) {
  if (!payload || typeof payload !== 'object') return '';
  return Object.entries(payload)
    .filter(([, v]) => typeof v !== 'object')
    .slice(0, 5)
    .map(([k, v]) => `${k}=${String(v).length > 16 ? `${String(v).slice(0, 14)}…` : v}`)
    .join(' ');
}

/** Events to show on opening the page: the last blocks' worth, then live. */
const RECENT_BLOCKS = 25;

async function restartEvents() {
  if (state.events) state.events.close();
  state.events = undefined;
  if (!state.current) return;
  const identity = state.current;
  $('event-log').replaceChildren();
  let fromBlock = 0;
  try {
    const ready = await new Api(identity.key).get('/readyz');
    const height = ready && ready.channels && ready.channels.energy ? ready.channels.energy.height : 0;
    fromBlock = Math.max(0, height - RECENT_BLOCKS);
  } catch {
    fromBlock = 0;
  }
  if (state.current !== identity) return;
  state.events = followEvents(`/api/v1/events?channel=energy&fromBlock=${fromBlock}`, identity.key, {
    onEvent: onLedgerEvent,
    onState: (s) => {
      $('events-state').textContent = s === 'forbidden' ? lockedLabel(state.current.mspId) : s;
    },
  });
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start() {
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('api-key');
    const key = input.value.trim();
    input.value = '';
    if (key) signIn(key);
  });
  $('sign-out').addEventListener('click', () => {
    signOut();
    if (state.identities.length) selectIdentity(localStorage.getItem('obe.viewAs'));
  });
  state.identities = await loadDemoIdentities();
  $('view-as-box').hidden = state.identities.length === 0;
  state.refreshTimer = setInterval(refresh, 15000);
  const kept = window.sessionStorage.getItem(SESSION_KEY);
  if (kept && (await signIn(kept))) {
    fillViewAs();
    return;
  }
  if (kept) window.sessionStorage.removeItem(SESSION_KEY);
  fillViewAs();
  if (state.identities.length) selectIdentity(new URLSearchParams(window.location.search).get('viewAs') || localStorage.getItem('obe.viewAs'));
  else renderBanner();
}

/** Demo only: the "View as" list of demo identities, grouped by org. */
function fillViewAs() {
  const select = $('view-as');
  if (select.options.length || !state.identities.length) return;
  const byOrg = new Map();
  for (const identity of state.identities) {
    if (!byOrg.has(identity.mspId)) byOrg.set(identity.mspId, []);
    byOrg.get(identity.mspId).push(identity);
  }
  for (const [mspId, identities] of byOrg) {
    const group = el('optgroup', { label: orgName(mspId) });
    for (const identity of identities) group.append(el('option', { value: identity.label, text: identity.label }));
    select.append(group);
  }
  select.addEventListener('change', () => {
    // Picking a demo identity leaves a signed-in key's session.
    if (state.current && state.current.via === 'key') window.sessionStorage.removeItem(SESSION_KEY);
    selectIdentity(select.value);
  });
}

start().catch((error) => {
  renderStatus(`error: ${error.message}`);
  console.warn('dashboard failed to start', error);
});
