/**
 * The record log under the embedded ledger's blocks and private data: what is appended or rewritten is read back
 * byte for byte, in order, including records of several MB and rewrites of many records.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLog, RecordLog } from '../../gateway/fabric-embedded/src/record-log';

describe('record log', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-record-log-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const payload = (i: number, size: number) => Buffer.alloc(size, i % 251);

  it('reads back appended records of every size, large ones included, in order', async () => {
    const file = path.join(dir, 'log');
    const log = new RecordLog(file);
    const records = [payload(1, 0), payload(2, 1), payload(3, 7 * 1024 * 1024), payload(4, 100)];
    await Promise.all(records.map((r) => log.append(r)));
    await log.close();
    const opened = readLog(file);
    expect(opened.truncatedBytes).toBe(0);
    expect(opened.records.map((r) => r.length)).toEqual(records.map((r) => r.length));
    opened.records.forEach((r, i) => expect(r.equals(records[i])).toBe(true));
  });

  it('rewrites a log of more records than one writev takes, and appends after it', async () => {
    const file = path.join(dir, 'log');
    const log = new RecordLog(file);
    await log.append(payload(9, 10));
    const records = Array.from({ length: 1500 }, (_, i) => payload(i, 1 + (i % 40)));
    await log.rewrite(records);
    await log.append(payload(7, 3));
    await log.close();
    const opened = readLog(file);
    expect(opened.records).toHaveLength(1501);
    opened.records.slice(0, 1500).forEach((r, i) => expect(r.equals(records[i])).toBe(true));
    expect(opened.records[1500].equals(payload(7, 3))).toBe(true);
  });

  it('cuts off a torn last record and keeps the ones before it', async () => {
    const file = path.join(dir, 'log');
    const log = new RecordLog(file);
    await log.append(payload(1, 50));
    await log.append(payload(2, 5000));
    await log.close();
    fs.truncateSync(file, fs.statSync(file).size - 10);
    const opened = readLog(file);
    expect(opened.records).toHaveLength(1);
    expect(opened.truncatedBytes).toBeGreaterThan(0);
  });
});
