/**
 * RFC 8785 canonical JSON of the reading path's own records, written out field by field instead of through the
 * generic serializer (common/canonical-json.ts), which walks, sorts and re-serialises every object: at 10,000 readings
 * a transaction that was about a tenth of an endorsement. The output is byte-identical to canonicalJson of the same
 * value — keys in UTF-16 order, strings and numbers as JSON.stringify writes them (which is what RFC 8785 specifies),
 * undefined members left out — and test/chaincode/metering/canonical.test.ts pins that with property tests. Values
 * that are not what the schemas allow (a non-string id, a non-integer number) go through canonicalJson instead, so
 * the answer never differs from it.
 */
import { canonicalJson } from '../common/canonical-json';
import { packChunk, type ReadingGroup } from './chunk';
import type { ProfileReading, Reading, ReadingRunRecord, StoredReading } from './reading';

const str = JSON.stringify;
const int = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);

function readingFields(r: ProfileReading): string | undefined {
  if (!int(r.exportedWh) || !int(r.importedWh) || !int(r.intervalStart) || !int(r.sequence)) return undefined;
  return `"exportedWh":${r.exportedWh},"importedWh":${r.importedWh},"intervalStart":${r.intervalStart},"sequence":${r.sequence}`;
}

/** canonicalJson({assetId, intervalStart, importedWh, exportedWh, sequence}) of the reading's own fields. */
export function readingJson(r: Reading): string {
  const fields = typeof r.assetId === 'string' ? readingFields(r) : undefined;
  if (fields === undefined) {
    const { assetId, intervalStart, importedWh, exportedWh, sequence } = r;
    return canonicalJson({ assetId, intervalStart, importedWh, exportedWh, sequence });
  }
  return `{"assetId":${str(r.assetId)},${fields}}`;
}

/** canonicalJson({domain, assetId, readings}) with each reading reduced to its four signed fields. */
export function profileJson(domain: string, assetId: string, readings: readonly ProfileReading[]): string {
  const parts: string[] = [];
  for (const r of readings) {
    const fields = readingFields(r);
    if (fields === undefined || typeof assetId !== 'string') {
      return canonicalJson({ domain, assetId, readings: readings.map(({ intervalStart, importedWh, exportedWh, sequence }) => ({ intervalStart, importedWh, exportedWh, sequence })) });
    }
    parts.push(`{${fields}}`);
  }
  return `{"assetId":${str(assetId)},"domain":${str(domain)},"readings":[${parts.join(',')}]}`;
}

export function readingRunRecordJson(r: ReadingRunRecord): string {
  const simple =
    [r.assetId, r.collection, r.txId].every((s) => typeof s === 'string') &&
    Array.isArray(r.hashes) &&
    r.hashes.every((h) => typeof h === 'string') &&
    int(r.intervalStart) &&
    int(r.leaf) &&
    int(r.stepMs);
  if (!simple) return canonicalJson(r);
  return `{"assetId":${str(r.assetId)},"collection":${str(r.collection)},"hashes":[${r.hashes.map((h) => str(h)).join(',')}],"intervalStart":${r.intervalStart},"leaf":${r.leaf},"stepMs":${r.stepMs},"txId":${str(r.txId)}}`;
}

/** canonicalJson(['reading', assetId, intervalStart]): the label each reading's salt is derived under. */
export function readingSaltLabelJson(assetId: string, intervalStart: number): string {
  if (typeof assetId !== 'string' || !int(intervalStart)) return canonicalJson(['reading', assetId, intervalStart]);
  return `["reading",${str(assetId)},${intervalStart}]`;
}

const text = (s: unknown): s is string => typeof s === 'string';

function groupJson(g: ReadingGroup): string | undefined {
  const simple =
    text(g.assetId) &&
    text(g.signature) &&
    [g.owner, g.keyValidFrom, g.submittedAt].every((v) => v === undefined || text(v)) &&
    (g.profile === undefined || (int(g.profile.start) && int(g.profile.intervals) && int(g.position))) &&
    g.readings.every((r) => int(r[0]) && int(r[1]) && int(r[2]) && int(r[3]) && text(r[4]));
  if (!simple) return undefined;
  const parts = [`"assetId":${str(g.assetId)}`];
  if (g.keyValidFrom !== undefined) parts.push(`"keyValidFrom":${str(g.keyValidFrom)}`);
  if (g.owner !== undefined) parts.push(`"owner":${str(g.owner)}`);
  if (g.profile !== undefined) parts.push(`"position":${g.position}`, `"profile":{"intervals":${g.profile.intervals},"start":${g.profile.start}}`);
  parts.push(`"readings":[${g.readings.map((r) => `[${r[0]},${r[1]},${r[2]},${r[3]},${str(r[4])}]`).join(',')}]`, `"signature":${str(g.signature)}`);
  if (g.submittedAt !== undefined) parts.push(`"submittedAt":${str(g.submittedAt)}`);
  return `{${parts.join(',')}}`;
}

/**
 * canonicalJson(packChunk(readings)), written field by field like the other reading records
 * (byte-identical, property-tested); anything outside what the schemas allow goes through canonicalJson.
 */
export function packedChunkJson(readings: readonly StoredReading[]): string {
  const chunk = packChunk(readings);
  const groups: string[] = [];
  for (const group of chunk.groups) {
    const json = groupJson(group);
    if (json === undefined) return canonicalJson(chunk);
    groups.push(json);
  }
  if (!text(chunk.submittedAt)) return canonicalJson(chunk);
  return `{"format":2,"groups":[${groups.join(',')}],"submittedAt":${str(chunk.submittedAt)}}`;
}
