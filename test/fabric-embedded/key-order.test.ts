/**
 * docs/embedded-runtime.md, rule 2 at scale: the state database keeps keys in UTF-8 byte order (LevelDB's) however
 * many keys a namespace holds and in whatever order they were written or deleted. The index is split into chunks of
 * sorted keys once a namespace passes about a thousand keys, so this suite writes several thousand, in interleaved
 * order, deletes some, and compares every range answer with a model sorted by the keys' bytes. It includes keys whose
 * JavaScript (UTF-16) order differs from their byte order: a surrogate pair (U+1F600) against U+E000..U+FFFF.
 */
import { A, Net } from './support';

let net: Net;
beforeAll(async () => {
  net = await Net.start();
});
afterAll(() => net.close());

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const range = async (start: string, end: string): Promise<string[]> => JSON.parse(await net.evaluate(A, 'Range', [start, end])) as string[];

test('thousands of keys written out of order and partly deleted come back in byte order, by any range', async () => {
  // Prefixes written in an order unrelated to their byte order; PutMany writes prefix0000..prefix(n-1).
  const prefixes = ['ko/m', 'ko/\ue000', 'ko/a', 'ko/\u{1F600}', 'ko/z', 'ko/\uffff', 'ko/b', 'ko/\u00e9'];
  const model = new Set<string>();
  // First, into the empty namespace, 3,000 ascending keys (the index splits a chunk at 1,025 keys into 512 + 513, so its
  // chunks start at ko/x0000, ko/x0512, ko/x1024, ko/x1536 and ko/x2048), then keys that fall between existing keys
  // (ko/x0511 < ko/x05110000..ko/x05110039 < ko/x0512): at chunk boundaries and inside chunks, not only at the end.
  await net.submit(A, 'PutMany', ['ko/x', '3000']);
  for (let i = 0; i < 3000; i++) model.add(`ko/x${String(i).padStart(4, '0')}`);
  for (const prefix of ['ko/x05', 'ko/x0', 'ko/x15', 'ko/x1', 'ko/x25', 'ko/x2', 'ko/x0511', 'ko/x1023', 'ko/x1535', 'ko/x2047']) {
    await net.submit(A, 'PutMany', [prefix, '40']);
    for (let i = 0; i < 40; i++) model.add(`${prefix}${String(i).padStart(4, '0')}`);
  }
  for (const prefix of prefixes) {
    await net.submit(A, 'PutMany', [prefix, '700']);
    for (let i = 0; i < 700; i++) model.add(`${prefix}${String(i).padStart(4, '0')}`);
  }
  // Delete every seventh key of three prefixes (whole runs inside chunks, and chunk boundaries).
  for (const prefix of ['ko/a', 'ko/\ue000', 'ko/z']) {
    for (let i = 0; i < 700; i += 7) {
      const key = `${prefix}${String(i).padStart(4, '0')}`;
      await net.submit(A, 'Delete', [key]);
      model.delete(key);
    }
  }
  const sorted = [...model].sort(byBytes);

  expect(await range('ko/', 'ko0')).toEqual(sorted);
  // Byte order, not UTF-16 order: U+1F600 (F0 9F ...) after U+FFFF (EF BF BF), which is after U+E000 (EE 80 80).
  const firstOf = (prefix: string) => sorted.findIndex((k) => k.startsWith(prefix));
  expect(firstOf('ko/\ue000')).toBeLessThan(firstOf('ko/\uffff'));
  expect(firstOf('ko/\uffff')).toBeLessThan(firstOf('ko/\u{1F600}'));

  // Ranges starting and ending on present keys, deleted keys, absent keys and between prefixes.
  const bounds: [string, string][] = [
    ['ko/a0001', 'ko/a0600'],
    ['ko/a0000', 'ko/b0350'],
    ['ko/m0699', 'ko/z0003'],
    ['ko/\ue0000003', 'ko/\u{1F600}0100'],
    ['ko/\uffff', 'ko/\u{1F600}'],
    ['ko/\u{1F600}0500', 'ko0'],
    ['ko/b', 'ko/c'],
    ['ko/x05110020', 'ko/x0513'],
    ['ko/x10230001', 'ko/x1025'],
    ['ko/x1535003', 'ko/x15350039'],
    ['ko/c', 'ko/d'],
  ];
  // And ranges between keys all along the index, starting on a key, just after one, and just before one.
  for (let i = 0; i + 300 < sorted.length; i += 211) {
    bounds.push([sorted[i], sorted[i + 37]], [`${sorted[i]}\u0000`, sorted[i + 300]], [sorted[i].slice(0, -1), `${sorted[i + 5]}0`]);
  }
  for (const [start, end] of bounds) {
    const expected = sorted.filter((k) => byBytes(k, start) >= 0 && byBytes(k, end) < 0);
    expect(await range(start, end)).toEqual(expected);
  }
});
