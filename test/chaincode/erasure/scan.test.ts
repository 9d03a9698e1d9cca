import fs from 'node:fs';
import path from 'node:path';
import { ERASURE_SCAN_LIMIT, completeScan } from '../../../chaincode/src/common/scan';

/** A peer truncates a range query at totalQueryLimit without an error: erasure refuses rather than miss records. */
test('a scan that reaches the peer query limit refuses the erasure', () => {
  expect(ERASURE_SCAN_LIMIT).toBe(100_000);
  const below = new Array<number>(ERASURE_SCAN_LIMIT - 1).fill(0);
  expect(completeScan(below, 'x')).toBe(below);
  expect(() => completeScan(new Array<number>(ERASURE_SCAN_LIMIT).fill(0), 'the order book')).toThrow(/\[RULE_VIOLATION\] erasure cannot scan the order book: 100000 records/);
});

test('the native network’s query limit is the one erasure assumes', () => {
  const core = fs.readFileSync(path.resolve(__dirname, '../../../network/native/config/core.yaml'), 'utf8');
  expect(core).toMatch(new RegExp(`totalQueryLimit: ${ERASURE_SCAN_LIMIT}\\b`));
});
