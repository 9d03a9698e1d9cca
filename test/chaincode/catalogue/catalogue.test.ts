import 'reflect-metadata';
import { CATALOGUE, TX, contracts, txByName } from '@obe/chaincode';
import { z } from 'zod';

interface TxMeta {
  name: string;
  tag?: string[];
  parameters?: { name: string }[];
}

/** Every @Transaction the chaincode serves, as fabric-contract-api records it. */
function served(): { name: string; kind: 'submit' | 'evaluate'; params: string[] }[] {
  const out: { name: string; kind: 'submit' | 'evaluate'; params: string[] }[] = [];
  for (const contract of contracts) {
    const ctor = contract as unknown as { new (): { getName(): string }; prototype: object };
    const contractName = new ctor().getName();
    for (const meta of (Reflect.getMetadata('fabric:transactions', ctor.prototype) ?? []) as TxMeta[]) {
      out.push({ name: `${contractName}:${meta.name}`, kind: meta.tag?.includes('SUBMIT') ? 'submit' : 'evaluate', params: (meta.parameters ?? []).map((p) => p.name) });
    }
  }
  return out;
}

describe('the transaction catalogue', () => {
  it('has exactly one entry per served transaction, with its kind and arity', () => {
    const txs = served();
    expect(CATALOGUE.map((e) => e.name).sort()).toEqual(txs.map((t) => t.name).sort());
    for (const t of txs) {
      const entry = txByName(t.name)!;
      expect({ name: t.name, kind: entry.kind, args: entry.args.length }).toEqual({ name: t.name, kind: t.kind, args: t.params.length });
      expect([...entry.argNames].sort()).toEqual([...t.params].sort());
    }
  });

  it('names every entry Contract:Function and describes it', () => {
    for (const entry of CATALOGUE) {
      expect(entry.name).toBe(`${entry.contract}:${entry.fn}`);
      expect(entry.description.length).toBeGreaterThan(5);
      expect(entry.roles.length).toBeGreaterThan(3);
      expect(entry.result).toBeInstanceOf(z.ZodType);
    }
    expect(TX.Registry.GetAsset.fn).toBe('GetAsset');
  });
});
