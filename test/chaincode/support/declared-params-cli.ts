/**
 * Prints every transaction whose declared parameters differ from the function's arity. Run under tsx (esbuild), which
 * emits no decorator metadata: there only explicit @Param declarations tell fabric-contract-api what a function takes.
 */
import 'reflect-metadata';
import { contracts } from '../../../chaincode/src';

interface TxMeta {
  name: string;
  parameters?: unknown[];
}

const mismatches: string[] = [];
let checked = 0;
for (const contract of contracts) {
  const ctor = contract as unknown as { new (): Record<string, (...args: unknown[]) => unknown>; prototype: object; name: string };
  const instance = new ctor();
  const txs = (Reflect.getMetadata('fabric:transactions', ctor.prototype) ?? []) as TxMeta[];
  for (const tx of txs) {
    checked++;
    const arity = instance[tx.name]!.length - 1; // ctx is not a declared parameter
    const declared = tx.parameters?.length ?? 0;
    if (arity !== declared) mismatches.push(`${ctor.name}.${tx.name}: takes ${arity}, declares ${declared}`);
  }
}
process.stdout.write(`${JSON.stringify({ checked, mismatches })}\n`);
