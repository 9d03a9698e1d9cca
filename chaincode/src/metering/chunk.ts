/**
 * The private chunk's bytes (docs/adr/0013-compact-reading-chunks.md). A chunk holds up to READINGS_PER_CHUNK of a
 * batch's StoredReadings in leaf order; written one by one, each repeated what its neighbours share — the transaction
 * time, and for a load profile the meter, owner, key period, the profile's signature and its place — about 690 bytes a
 * reading, of which the reading's own values and salt are about 100. A load-profile transaction of 100 × 96 readings
 * wrote 6.5 MB of private data, which every member peer of the collection receives, stores in its transient store and
 * commits. The chunk is now packed: the transaction time once per chunk, and a profile's consecutive readings as one
 * group that names what they share once and lists each reading as [interval, imported, exported, sequence, salt].
 *
 * Packing is lossless (unpackChunk(packChunk(r)) equals r for every StoredReading list, property-tested), every
 * reading keeps its own salt, and readers see StoredReadings exactly as before. Chunks written before in the first
 * layout (`{ readings: StoredReading[] }`) are read as they are. The bytes are written by canonical.ts
 * (packedChunkJson), with the reading path's other field-by-field serializers.
 */
import type { ProfileRef, StoredReading } from './reading';

/** One reading inside a group: its own values and salt. */
export type PackedReading = readonly [intervalStart: number, importedWh: number, exportedWh: number, sequence: number, salt: string];

/**
 * Readings that share a meter, owner, key period, signature and transaction time: one reading signed alone, or a
 * load profile's consecutive positions from `position` on.
 */
export interface ReadingGroup {
  readonly assetId: string;
  readonly signature: string;
  readonly owner?: string;
  readonly keyValidFrom?: string;
  /** Only when it differs from the chunk's (never for a chunk this chaincode packed from one transaction). */
  readonly submittedAt?: string;
  /** The profile the signature covers and the first reading's place in it; absent for a reading signed alone. */
  readonly profile?: { readonly start: number; readonly intervals: number };
  readonly position?: number;
  readonly readings: readonly PackedReading[];
}

export interface PackedReadingChunk {
  readonly format: 2;
  readonly submittedAt: string;
  readonly groups: readonly ReadingGroup[];
}

/** The first layout, one StoredReading after another. */
interface ReadingListChunk {
  readonly readings: readonly StoredReading[];
}

/** A chunk as read from a readings collection, in either layout. */
export type StoredReadingChunk = PackedReadingChunk | ReadingListChunk;

/** Whether `next` is the reading after `last` in the same signed profile, so that it joins last's group. */
function continues(last: StoredReading, next: StoredReading): boolean {
  return (
    last.profile != null &&
    next.profile != null &&
    next.reading.assetId === last.reading.assetId &&
    next.signature === last.signature &&
    next.owner === last.owner &&
    next.keyValidFrom === last.keyValidFrom &&
    next.submittedAt === last.submittedAt &&
    next.profile.start === last.profile.start &&
    next.profile.intervals === last.profile.intervals &&
    next.profile.position === last.profile.position + 1
  );
}

export function packChunk(readings: readonly StoredReading[]): PackedReadingChunk {
  const submittedAt = readings[0]?.submittedAt ?? '';
  // Built in place: a group's reading list grows while later readings continue its profile.
  const groups: (ReadingGroup & { readings: PackedReading[] })[] = [];
  let last: StoredReading | undefined;
  for (const stored of readings) {
    const { reading } = stored;
    const packed: PackedReading = [reading.intervalStart, reading.importedWh, reading.exportedWh, reading.sequence, stored.salt];
    const open = groups[groups.length - 1];
    if (open && last && continues(last, stored)) {
      open.readings.push(packed);
    } else {
      groups.push({
        assetId: reading.assetId,
        signature: stored.signature,
        ...(stored.owner !== undefined ? { owner: stored.owner } : {}),
        ...(stored.keyValidFrom !== undefined ? { keyValidFrom: stored.keyValidFrom } : {}),
        ...(stored.submittedAt !== submittedAt ? { submittedAt: stored.submittedAt } : {}),
        ...(stored.profile ? { profile: { start: stored.profile.start, intervals: stored.profile.intervals }, position: stored.profile.position } : {}),
        readings: [packed],
      });
    }
    last = stored;
  }
  return { format: 2, submittedAt, groups };
}

/** The chunk's StoredReadings in leaf order, from either layout. */
export function unpackChunk(chunk: StoredReadingChunk): StoredReading[] {
  if (!('format' in chunk)) return [...chunk.readings];
  const out: StoredReading[] = [];
  for (const group of chunk.groups) {
    group.readings.forEach(([intervalStart, importedWh, exportedWh, sequence, salt], i) => {
      const profile: ProfileRef | undefined = group.profile && { start: group.profile.start, intervals: group.profile.intervals, position: (group.position ?? 0) + i };
      out.push({
        reading: { assetId: group.assetId, intervalStart, importedWh, exportedWh, sequence },
        signature: group.signature,
        salt,
        submittedAt: group.submittedAt ?? chunk.submittedAt,
        ...(group.owner !== undefined ? { owner: group.owner } : {}),
        ...(group.keyValidFrom !== undefined ? { keyValidFrom: group.keyValidFrom } : {}),
        ...(profile ? { profile } : {}),
      });
    });
  }
  return out;
}
