import { z } from 'zod';

/**
 * The shape of one catalogue entry: everything a client needs to call a transaction and everything a reader needs to
 * know about it. The contracts validate their arguments and transient entries with these very schemas (the entries
 * reference the schemas the domain modules parse with, they never restate them), the gateway derives its OpenAPI
 * component schemas from them and calls the ledger through them (gateway/src/ledger/call.ts), and docs/*.md list them
 * (scripts/docs-tx.ts).
 */

export type TxKind = 'submit' | 'evaluate';
export type TxChannel = 'energy' | 'audit';

/** No transient entries. */
export const NO_TRANSIENT = z.strictObject({});
export type NoTransient = typeof NO_TRANSIENT;

export interface TxSpec<
  Args extends readonly z.ZodType[] = readonly z.ZodType[],
  Transient extends z.ZodObject = z.ZodObject,
  Result extends z.ZodType = z.ZodType,
> {
  /** Submit (endorse, order, commit) or evaluate (a query on one peer). */
  readonly kind: TxKind;
  /** The channels it runs on; absent: any channel the chaincode is installed on (the caller names it). */
  readonly channels?: readonly TxChannel[];
  /**
   * The positional arguments as the client passes them: an object schema travels as JSON text, a string schema as the
   * string itself (each validated by the contract with this schema).
   */
  readonly args: Args;
  /** Names of the positional arguments, for docs and errors. */
  readonly argNames: { readonly [K in keyof Args]: string };
  /** The transient map: one schema per key (JSON values; a string schema is the raw text). */
  readonly transient: Transient;
  /** What the transaction returns (the chaincode's JSON answer). */
  readonly result: Result;
  /** Who may call it, as the contract enforces (documentation; the chaincode is the authority). */
  readonly roles: string;
  readonly description: string;
}

export interface TxEntry<
  Name extends string = string,
  Args extends readonly z.ZodType[] = readonly z.ZodType[],
  Transient extends z.ZodObject = z.ZodObject,
  Result extends z.ZodType = z.ZodType,
> extends TxSpec<Args, Transient, Result> {
  /** `Contract:Function`, as Fabric names it. */
  readonly name: Name;
  readonly contract: string;
  readonly fn: string;
}

/** The arguments a client passes, in order (the schemas' input types). */
export type TxArgs<E extends TxEntry> = ArgInputs<E['args']>;
type ArgInputs<A extends readonly z.ZodType[]> = { -readonly [K in keyof A]: A[K] extends z.ZodType ? z.input<A[K]> : never };
/** The transient map a client passes, before encoding. */
export type TxTransient<E extends TxEntry> = z.input<E['transient']>;
/** What the transaction answers. */
export type TxResult<E extends TxEntry> = z.output<E['result']>;

/** One transaction's spec, with its argument tuple inferred. */
export function tx<const Args extends readonly z.ZodType[], Result extends z.ZodType, Transient extends z.ZodObject = NoTransient>(spec: {
  kind: TxKind;
  channels?: readonly TxChannel[];
  args: Args;
  argNames: { readonly [K in keyof Args]: string };
  transient?: Transient;
  result: Result;
  roles: string;
  description: string;
}): TxSpec<Args, Transient, Result> {
  return { ...spec, transient: (spec.transient ?? NO_TRANSIENT) as Transient };
}

type Entries<C extends string, S extends Record<string, TxSpec>> = {
  readonly [F in keyof S & string]: S[F] extends TxSpec<infer A, infer T, infer R> ? TxEntry<`${C}:${F}`, A, T, R> : never;
};

/** A contract's transactions, named `Contract:Function`. */
export function contractTxs<C extends string, S extends Record<string, TxSpec>>(contract: C, specs: S): Entries<C, S> {
  const out: Record<string, TxEntry> = {};
  for (const [fn, spec] of Object.entries(specs)) out[fn] = Object.freeze({ ...spec, name: `${contract}:${fn}`, contract, fn });
  return Object.freeze(out) as Entries<C, S>;
}
