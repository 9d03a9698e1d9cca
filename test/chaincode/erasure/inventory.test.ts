import fs from 'node:fs';
import path from 'node:path';

/**
 * Every private write of the chaincode is either purged by Participants:Erase or holds no participant's personal data
 * (docs/privacy-and-erasure.md, "Inventory"). A new file that writes private data fails here until it is classified
 * — and, if it writes a participant's data, until erasure purges it (chaincode/src/erasure).
 */
const root = path.resolve(__dirname, '../../../chaincode/src');

const INVENTORY: Record<string, string> = {
  'market/book.ts': 'purged: order bodies, offer totals, awards (market/erase.ts); kept: the full market result (totals, operator collection)',
  'settlement/settle.ts': 'purged: settled records (settlement/erase.ts); kept: the full settlement summary (totals, operator collection)',
  'tokens/ledger.ts': 'purged: deltas and escrows of the account (TokenLedger.eraseAccount); kept: the supply (one total, issuer collection)',
  'metering/submit.ts': 'purged: readings and every zone delta that counted them (metering/erase.ts)',
  'metering/erase.ts': "rewrites other owners' readings of a purged chunk (theirs, unchanged) and their part of a purged zone delta",
  'participants/secret.ts': 'purged: the participant secret (crypto-shredding)',
  'governance/configure.ts': "not personal: the channel's pseudonym key",
  'grid/dr/events.ts': 'purged: demand-response reports (erasure/hooks.ts)',
  'certificates/book.ts': 'purged: lots, holder secret (certificates/erase.ts); events hold lot ids and quantities, no pseudonym',
  'certificates/claim.ts': "purged: claims of the participant's meters (certificates/erase.ts)",
  'certificates/settle-hook.ts': "purged: bindings of the participant's orders (erasure/hooks.ts)",
  'certificates/seal.ts': 'not personal: per zone and interval certificate totals (operator collection)',
  'market/coupling/residual.ts': "not personal: a retailer org's residual volume (an aggregate of its households, written by a legal person)",
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('every file that writes private data is classified for erasure', () => {
  const writers = sources(root)
    .filter((file) => /putPrivateData\(|writePrivateJson\(/.test(fs.readFileSync(file, 'utf8')))
    .map((file) => path.relative(root, file).split(path.sep).join('/'))
    .filter((file) => file !== 'common/state.ts')
    .sort();
  expect(writers.filter((file) => !(file in INVENTORY))).toEqual([]);
  // A stale entry (the file no longer writes private data) must go too, so the inventory stays the truth.
  expect(Object.keys(INVENTORY).filter((file) => !writers.includes(file))).toEqual([]);
});
