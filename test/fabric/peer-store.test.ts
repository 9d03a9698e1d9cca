import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filesContaining } from './support/peer-store';

describe('scanning a peer directory for a private value', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-store-'));
    fs.mkdirSync(path.join(dir, 'ledgersData/pvtdataStore'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'transientstore'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the value in every file that holds it, at any depth, and nowhere else', () => {
    const needle = 'salt-6f1c2a';
    fs.writeFileSync(path.join(dir, 'ledgersData/pvtdataStore/000002.log'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`{"salt":"${needle}"}`)]));
    fs.writeFileSync(path.join(dir, 'transientstore/000001.log'), `x${needle}`);
    fs.writeFileSync(path.join(dir, 'ledgersData/pvtdataStore/MANIFEST-000001'), 'salt-6f1c2b');
    expect(filesContaining(dir, needle)).toEqual(['ledgersData/pvtdataStore/000002.log', 'transientstore/000001.log']);
    expect(filesContaining(dir, 'absent-value')).toEqual([]);
  });
});
