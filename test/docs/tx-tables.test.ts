import fs from 'node:fs';
import path from 'node:path';
import { TX_DOCS, renderTables } from '../../scripts/docs-tx';

/** The transaction tables in the docs are generated from the catalogue: `npm run docs:tx` rewrites them. */
describe('transaction tables in docs/', () => {
  for (const doc of TX_DOCS) {
    it(`${doc} is up to date with the catalogue (npm run docs:tx)`, () => {
      const text = fs.readFileSync(path.resolve(__dirname, '../..', doc), 'utf8');
      expect(text).toContain('<!-- tx-table:begin ');
      expect(renderTables(text)).toBe(text);
    });
  }
});
