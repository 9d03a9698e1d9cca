import fs from 'node:fs';
import path from 'node:path';

/**
 * Chaincode domains (the folders under chaincode/src) import each other only one way: no domain may reach, through
 * any chain of imports, a domain that reaches it back. `common/` is the floor every domain may stand on and it
 * imports no domain. A new edge that closes a cycle fails here with the cycle named.
 */
const src = path.resolve(__dirname, '../../chaincode/src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function domainOf(file: string): string | undefined {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length > 1 ? rel[0] : undefined;
}

/** Domain → domains it imports from (static imports and re-exports, type-only ones included). */
export function domainGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of tsFiles(src)) {
    const from = domainOf(file);
    if (from === undefined) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)\s[^'";]*?from\s+'(\.[^']*)'/g)) {
      const to = domainOf(path.resolve(path.dirname(file), match[1]));
      if (to !== undefined && to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every strongly connected group of two or more domains (Tarjan), each sorted, as 'a ↔ b ↔ c'. */
export function domainCycles(graph: Map<string, Set<string>>): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) cycles.push(group.sort().join(' ↔ '));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort();
}

describe('chaincode domains', () => {
  const graph = domainGraph();

  it('finds the domains', () => {
    expect([...graph.keys()]).toEqual(expect.arrayContaining(['common', 'governance', 'market', 'registry', 'settlement', 'tokens']));
  });

  it('import each other without a cycle', () => {
    expect(domainCycles(graph)).toEqual([]);
  });

  it('keep common/ below every domain', () => {
    expect([...(graph.get('common') ?? [])]).toEqual([]);
  });

  it('detect a cycle when there is one', () => {
    const looped = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
    expect(domainCycles(looped)).toEqual(['a ↔ b ↔ c']);
  });
});
