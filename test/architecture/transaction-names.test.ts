import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE } from '@obe/chaincode';

/**
 * Routes, scripts and tests call transactions by their catalogue entry (`TX.Registry.GetAsset`), never by a string
 * like the one Fabric sees: a renamed or removed transaction then fails to compile instead of at run time. Comments
 * may still name transactions in prose.
 */
const root = path.resolve(__dirname, '../..');
const SCANNED = ['gateway/src', 'scripts', 'network/lib', 'test'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...files(full));
    } else if (/\.(ts|js)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The code of a file without its comments (good enough for this check: no string here holds a comment marker). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('transaction names', () => {
  it('appear in no route, script or test as a string: they use catalogue entries', () => {
    const contracts = [...new Set(CATALOGUE.map((entry) => entry.contract))].join('|');
    // A quoted `Contract:Function`, or the start of one built in a template (`Contract:${fn}`).
    const literal = new RegExp(`(['"\`])(?:${contracts}):(?:[A-Z][A-Za-z]+\\1|\\$\\{)`);
    const offending: string[] = [];
    for (const dir of SCANNED) {
      for (const file of files(path.join(root, dir))) {
        const lines = code(fs.readFileSync(file, 'utf8')).split('\n');
        lines.forEach((line, i) => {
          if (literal.test(line)) offending.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offending).toEqual([]);
  });
});
