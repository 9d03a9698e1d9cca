/**
 * "Green certificates" (docs/certificates.md): a household sees its green share per interval — the share of its
 * metered import covered by the certificates it claimed (GET /api/v1/certificates/matching-score) — and the market
 * operator and the regulator see the trail of a certificate of the newest attested interval, each event's leaf checked
 * in the browser against the root the audit channel attests (SHA-256, the construction of chaincode/src/common/merkle.ts).
 */

const PAST = 8;
const OVERSIGHT = ['MARKET_OPERATOR', 'REGULATOR'];

async function optional(read, fallback) {
  try {
    return await read();
  } catch {
    return fallback;
  }
}

// ---- Merkle check (canonical JSON as RFC 8785 writes OBE's records: sorted keys, integers, plain strings) ----

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => value[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const hexOf = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
const bytesOf = (hex) => new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));

async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await window.crypto.subtle.digest('SHA-256', joined));
}

/** True when the event body hashes to its public leaf and the proof climbs to the root. */
export async function verifyLeaf(details, leafHash, proof, root) {
  if (!window.crypto || !window.crypto.subtle || !details || !proof) return false;
  let hash = await sha256(new Uint8Array([0]), new window.TextEncoder().encode(canonical(details)));
  if (hexOf(hash) !== leafHash) return false;
  for (const step of proof) {
    const sibling = bytesOf(step.hash);
    hash = step.position === 'LEFT' ? await sha256(new Uint8Array([1]), sibling, hash) : await sha256(new Uint8Array([1]), hash, sibling);
  }
  return hexOf(hash) === root;
}

// ---- data ----------------------------------------------------------------------------------------------------

/** The household's green share per interval of its first meter, over the last PAST intervals. */
async function loadGreenShare(api, me) {
  const meters = await optional(() => api.list('/api/v1/registry/assets', { owner: me, type: 'meter' }), []);
  if (meters.length === 0) return undefined;
  const intervals = await optional(() => api.get('/api/v1/retail/intervals', { offset: -PAST, count: PAST }), []);
  if (intervals.length === 0) return undefined;
  const from = intervals[0].interval;
  const to = intervals[intervals.length - 1].endsAt;
  const score = await optional(() => api.get('/api/v1/certificates/matching-score', { meterId: meters[0].assetId, from, to }), undefined);
  return score && { meterId: meters[0].assetId, buckets: score.buckets, total: score.total };
}

/**
 * The newest sealed certificate interval the audit channel attests (one list read), its first certificate, and that
 * certificate's trail with each leaf checked against the sealed root.
 */
async function loadTrail(api) {
  const attested = await optional(() => api.list('/api/v1/audit/attestations', { market: 'CERTIFICATES' }), []);
  const newest = attested.sort((a, b) => (a.interval < b.interval ? 1 : a.interval > b.interval ? -1 : 0))[0];
  if (!newest) return undefined;
  const slot = `/api/v1/certificates/zones/${encodeURIComponent(newest.zone)}/intervals/${encodeURIComponent(newest.interval)}`;
  const certificates = await optional(() => api.get(slot), []);
  if (certificates.length === 0) return undefined;
  const certificate = certificates[0];
  const trail = await api.get(`${slot}/certificates/${encodeURIComponent(certificate.certId)}/trail`);
  const root = newest.merkleRoot;
  const events = [];
  for (const e of trail.events) events.push({ ...e, verified: await verifyLeaf(e.details, e.event.leafHash, e.proof && e.proof.proof, root) });
  return { certificate, events, seal: trail.seal, attested: root };
}

export async function loadCertificates(api, who) {
  const me = await optional(() => api.get('/api/v1/registry/participants/me'), undefined);
  const oversight = who.roles.some((r) => OVERSIGHT.includes(r));
  return {
    share: me && me.pseudonym ? await loadGreenShare(api, me.pseudonym) : undefined,
    trail: oversight ? await optional(() => loadTrail(api), undefined) : undefined,
  };
}

// ---- view ----------------------------------------------------------------------------------------------------

function text(tag, value, cls) {
  const node = document.createElement(tag);
  node.textContent = value;
  if (cls) node.className = cls;
  return node;
}

const kwh = (wh) => (wh / 1000).toFixed(3);
const pct = (permille) => (permille === null || permille === undefined ? '—' : `${(permille / 10).toFixed(1)} %`);

function refOf(e) {
  const ref = (e.details && e.details.ref) || {};
  if (e.event.kind === 'ISSUE' && ref.reading) return `reading ${ref.reading.assetId} ${String(ref.reading.hash).slice(0, 12)}…`;
  if (e.event.kind === 'SETTLE') return `awards ${(ref.orderIds || []).map((id) => `${String(id).slice(0, 8)}…`).join(', ')}`;
  if (e.event.kind === 'CLAIM') return `import of ${ref.meterId}`;
  if (e.event.kind === 'EXPIRE') return String(ref.rule || '');
  return '';
}

export function renderCertificates(data) {
  const card = document.getElementById('card-certificates');
  card.hidden = !data.share && !data.trail;
  const shareBody = document.querySelector('#table-green-share tbody');
  const rows = data.share ? data.share.buckets : [];
  shareBody.replaceChildren(
    ...rows.map((b) => {
      const tr = document.createElement('tr');
      tr.dataset.interval = b.start;
      tr.append(text('td', `${b.start.slice(0, 10)} ${b.start.slice(11, 16)}`), text('td', kwh(b.importedWh), 'num'), text('td', kwh(b.claimedWh), 'num'), text('td', pct(b.scorePermille), 'num'));
      return tr;
    }),
  );
  document.getElementById('green-share-box').hidden = !data.share;
  document.getElementById('green-share-total').textContent = data.share ? `Meter ${data.share.meterId}: ${pct(data.share.total.scorePermille)} green over ${data.share.total.intervals} intervals` : '';

  const trailBox = document.getElementById('certificate-trail-box');
  trailBox.hidden = !data.trail;
  const trailBody = document.querySelector('#table-certificate-trail tbody');
  if (!data.trail) {
    trailBody.replaceChildren();
    return;
  }
  const c = data.trail.certificate;
  document.getElementById('certificate-trail-title').textContent = `${c.certId.slice(0, 15)}… · ${c.zone} · ${c.interval.slice(0, 16)} · ${c.energySource}/${c.technology} · sealed, attested root ${data.trail.attested.slice(0, 12)}…`;
  trailBody.replaceChildren(
    ...data.trail.events.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.kind = e.event.kind;
      tr.dataset.verified = e.verified === undefined ? 'pending' : String(e.verified);
      const wh = e.details ? e.details.issuedWh || e.details.claimedWh || e.details.expiredWh || (e.details.outputs || []).reduce((s, o) => s + o.quantityWh, 0) : undefined;
      tr.append(
        text('td', e.event.kind),
        text('td', e.event.at ? e.event.at.slice(11, 19) : ''),
        text('td', wh === undefined ? '—' : kwh(wh), 'num'),
        text('td', refOf(e)),
        text('td', e.verified === undefined ? 'not sealed' : e.verified ? '✓ leaf in root' : '✗ does not verify'),
      );
      return tr;
    }),
  );
}
