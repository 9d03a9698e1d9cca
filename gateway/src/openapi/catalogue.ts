import { z } from 'zod';
import { records, type TxEntry } from '@obe/chaincode';
import { SAFE_MAX, arr, ref, type OperationSpec, type Schema, type TxView } from './builder';
import { page } from './schemas';

/**
 * The bridge from the chaincode's transaction catalogue to the OpenAPI document: component schemas and request
 * bodies are zod's JSON Schema output of the very schemas the chaincode validates with and
 * answers in, so the HTTP API cannot drift from the ledger. Two adjustments make them fit the gateway's rules:
 *  - every number gets both bounds (a schema zod leaves open gets the safe-integer range, as builder.int/num do);
 *  - zod's `$id`/`$schema` bookkeeping is dropped, and null is written `enum: [null]` as in the rest of the document
 *    (zod writes draft-07, the dialect the gateway's Ajv validates with: numeric exclusiveMinimum and all).
 * Gateway-only shapes (errors, the submit envelope, pages, interval listings) stay hand-written in schemas.ts.
 */

const COMPONENTS = '#/components/schemas/';

function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === '$id' || key === '$schema') continue;
    out[key] = normalise(value);
  }
  // The document's convention for null (OpenAPI 3.0 has no null type; Ajv reads `enum: [null]` like JSON Schema).
  if (out.type === 'null') {
    delete out.type;
    out.enum = [null];
  }
  if (out.type === 'integer' || out.type === 'number') {
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = -SAFE_MAX;
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = SAFE_MAX;
  }
  return out;
}

/** The registered id of a catalogue record schema (`Asset`, `MarketResult`, …), if it has one. */
export function recordId(schema: z.ZodType): string | undefined {
  const meta = z.globalRegistry.get(schema) as { id?: unknown } | undefined;
  return typeof meta?.id === 'string' ? meta.id : undefined;
}

/**
 * The JSON Schema of a zod schema: `input` for what a client sends (arguments, bodies), `output` for what the chaincode
 * answers. Named records inside are `$ref`s to their components.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Schema {
  const id = recordId(schema);
  if (id && io === 'output') return ref(id);
  if (schema instanceof z.ZodArray && io === 'output' && recordId(schema.element as z.ZodType)) return arr(ref(recordId(schema.element as z.ZodType)!));
  const generated = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Schema;
  if (generated.$defs) throw new Error('a schema with named records inside: reference them with resultSchema instead');
  return normalise(generated) as Schema;
}

/** What a transaction answers, as OpenAPI: a `$ref` to its record component, an array of them, or inline. */
export function resultSchema(entry: TxEntry): Schema {
  return jsonSchema(entry.result, 'output');
}

/** The JSON Schema of one field of an object schema (input side), e.g. `field(orderRefSchema, 'orderId')`. */
export function field(schema: z.ZodType, name: string): Schema {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  const member = shape?.[name];
  if (!member) throw new Error(`no field ${name} in this schema`);
  return jsonSchema(member, 'input');
}

/** Every catalogue record as an OpenAPI component (`Asset`, `MarketResult`, …), cross-referenced by `$ref`. */
export function recordComponents(): Record<string, Schema> {
  void records; // the records register their ids when the catalogue loads
  const registry = z.registry<{ id: string }>();
  for (const schema of Object.values(records)) {
    if (!(schema instanceof z.ZodType)) continue;
    const id = recordId(schema);
    if (id) registry.add(schema, { id });
  }
  const out = z.toJSONSchema(registry, { target: 'draft-7', io: 'output', unrepresentable: 'any', uri: (name) => `${COMPONENTS}${name}` }) as { schemas: Record<string, Schema> };
  const components: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(out.schemas)) components[name] = normalise(schema) as Schema;
  return components;
}

/**
 * The answer part of an operation that returns a catalogued transaction's result: a submit's `result`, or the 200
 * body of a read — the result as is, a page of a list result, an array of one result per item (`each`) or a page of
 * them (`page-each`).
 */
export function answers(entry: TxEntry, view: TxView = 'result'): Pick<OperationSpec, 'tx' | 'txView' | 'submit' | 'response'> {
  const result = resultSchema(entry);
  if (entry.kind === 'submit') return { tx: entry.name, txView: view, submit: { result } };
  if (view === 'result') return { tx: entry.name, txView: view, response: result };
  if (view === 'each') return { tx: entry.name, txView: view, response: arr(result) };
  if (view === 'page-each') return { tx: entry.name, txView: view, response: page(result) };
  const items = result.items as Schema | undefined;
  if (result.type !== 'array' || !items) throw new Error(`${entry.name} does not answer a list`);
  return { tx: entry.name, txView: view, response: page(items) };
}

/**
 * An object schema of the catalogue as a request body: optionally only some fields (`pick`), without some (`omit`),
 * some made optional (the gateway fills them in, e.g. a generated salt), and extra properties merged in (`extend`,
 * e.g. the public slot of a private order). Always closed (additionalProperties false), like every request body.
 */
export function bodyOf(
  schema: z.ZodType,
  options: { pick?: readonly string[]; omit?: readonly string[]; optional?: readonly string[]; extend?: Schema; descriptions?: Record<string, string> } = {},
): Schema {
  const base = jsonSchema(schema, 'input');
  const extra = options.extend ?? {};
  const all: Record<string, Schema> = { ...((extra.properties as Record<string, Schema> | undefined) ?? {}), ...(base.properties as Record<string, Schema>) };
  const names = Object.keys(all).filter((n) => (!options.pick || options.pick.includes(n)) && !options.omit?.includes(n));
  const required = [...((extra.required as string[] | undefined) ?? []), ...((base.required as string[] | undefined) ?? [])].filter(
    (n) => names.includes(n) && !options.optional?.includes(n),
  );
  const properties: Record<string, Schema> = {};
  for (const n of names) properties[n] = options.descriptions?.[n] ? { ...all[n], description: options.descriptions[n] } : all[n];
  return { type: 'object', properties, ...(required.length ? { required: [...new Set(required)] } : {}), additionalProperties: false };
}
