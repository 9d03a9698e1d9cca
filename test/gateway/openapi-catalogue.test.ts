import { z } from 'zod';
import { TX, CATALOGUE, txByName, type TxEntry } from '@obe/chaincode';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { answers, jsonSchema, recordComponents } from '../../gateway/src/openapi/catalogue';
import type { TxView } from '../../gateway/src/openapi/builder';
import { http } from './support/http';

/**
 * The served OpenAPI document and the chaincode's transaction catalogue must agree: every operation that reaches the
 * ledger names its catalogue entry (x-obe-tx), answers exactly what that entry's result schema says (as is, paged or
 * per item), and every request field it takes (body properties, path parameters) is the very schema the chaincode
 * validates that field with. Gateway-only operations and the few parameters the gateway deliberately narrows are
 * listed here, each with its reason.
 */

type Json = Record<string, unknown>;

/** Operations that call no transaction, or compute their answer from several (their inputs are still checked below). */
const GATEWAY_ONLY = new Set([
  'listDemoIdentities', // configuration
  'getCaller', // the API key's identity
  'getSubmitStatus', // the submit service's records
  'streamEvents', // chaincode events, not a transaction
  'streamGridSignals', // chaincode events (GridSignal, MarketCleared) as device price signals
  'listRetailIntervals', // computed from governance
  'getRetailCurves', // an aggregate of the order details the caller may see
  'verifySettledRecord', // a check over a record, its proof and its attestation
  'onboardParticipant', // enrolment, then Participants:Register and GrantRole (admin.ts)
  'listApiKeys', // the gateway's key store
  'offboardParticipant', // the key store, then Participants:Suspend
  'revokeApiKey', // the key store
  'getOperatorStatus', // the market operator agent's own state (operator-agent/)
  'exportCertificateLot', // Certificates:GetLot and Audit:GetAttestation, assembled and signed by the gateway
  'getCertificateExportKey', // the gateway's signing key
]);

/** Parameters the gateway narrows or adds, with why; everything else must be the catalogue's own schema. */
const NARROWED: Record<string, string> = {
  interval: 'an ISO 8601 start the gateway checks before any ledger call (the chaincode parses any text up to 40 characters)',
  intervalStart: 'a bounded integer over HTTP; the chaincode takes the same number as decimal text',
  action: 'picks the lifecycle transaction',
  channel: 'picks the channel, not an argument',
  market: 'the path names the market whose settlement is read',
  pseudonymKey: 'bounded to 512 characters by the gateway (the chaincode asks only for at least 32)',
};

function withoutDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) if (k !== 'description' && k !== 'default') out[k] = withoutDescriptions(v);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(withoutDescriptions(a)) === JSON.stringify(withoutDescriptions(b));

/** Every schema the entry's inputs are validated with, by field name: argument fields, transient keys and their fields. */
function inputFields(entry: TxEntry): Map<string, z.ZodType[]> {
  const fields = new Map<string, z.ZodType[]>();
  const add = (name: string, schema: z.ZodType) => fields.set(name, [...(fields.get(name) ?? []), schema]);
  const addShape = (schema: z.ZodType) => {
    const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
    if (shape) for (const [name, member] of Object.entries(shape)) add(name, member);
  };
  entry.args.forEach((arg, i) => {
    add(entry.argNames[i], arg);
    addShape(arg);
  });
  for (const [key, schema] of Object.entries(entry.transient.shape as Record<string, z.ZodType>)) {
    add(key, schema);
    addShape(schema);
  }
  return fields;
}

describe('the served OpenAPI document and the transaction catalogue', () => {
  let doc: Json;
  const operations: { id: string; op: Json }[] = [];
  beforeAll(async () => {
    const key = newApiKey('utility-admin');
    const app = createApp(new GatewayContext({ keys: new ApiKeyStore([key.stored]) }));
    doc = (await http(app).get('/openapi.json')).body as Json;
    for (const methods of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
      for (const op of Object.values(methods)) if (!op['x-obe-builtin']) operations.push({ id: String(op.operationId), op });
    }
  });

  const components = () => (doc.components as { schemas: Record<string, Json> }).schemas;
  const resolve = (schema: Json): Json => (typeof schema.$ref === 'string' ? components()[schema.$ref.split('/').pop()!] : schema);

  it('serves every catalogue record as the component generated from its zod schema', () => {
    const generated = recordComponents();
    expect(Object.keys(generated).length).toBeGreaterThan(20);
    for (const [name, schema] of Object.entries(generated)) expect({ name, schema: components()[name] }).toEqual({ name, schema });
  });

  it('names a catalogue entry for every operation that reaches the ledger', () => {
    const unnamed = operations.filter(({ op }) => !op['x-obe-tx']).map(({ id }) => id);
    expect(unnamed.sort()).toEqual([...GATEWAY_ONLY].sort());
    for (const { id, op } of operations) {
      if (op['x-obe-tx']) expect({ id, tx: txByName(String(op['x-obe-tx']))?.name }).toEqual({ id, tx: op['x-obe-tx'] });
    }
  });

  it("answers exactly each entry's result schema (as is, a page, or one per item)", () => {
    let checked = 0;
    for (const { id, op } of operations) {
      if (!op['x-obe-tx']) continue;
      const entry = txByName(String(op['x-obe-tx']))!;
      const expected = answers(entry, op['x-obe-view'] as TxView);
      const ok = (op.responses as Record<string, { content?: { 'application/json'?: { schema: Json } } }>)['200'].content!['application/json']!.schema;
      const served = expected.submit ? (((ok.allOf as Json[])[1].properties as Json).result as Json) : ok;
      expect({ id, answer: served }).toEqual({ id, answer: expected.submit ? expected.submit.result : expected.response });
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('takes every request field with the schema the chaincode validates it with', () => {
    const mismatches: string[] = [];
    for (const { id, op } of operations) {
      if (!op['x-obe-tx']) continue;
      const entry = txByName(String(op['x-obe-tx']))!;
      const fields = inputFields(entry);
      const matches = (name: string, served: Json) => {
        const resolved = resolve(served);
        if (entry.args.some((arg) => same(resolved, jsonSchema(arg, 'input')))) return true;
        return (fields.get(name) ?? []).some((schema) => same(resolved, jsonSchema(schema, 'input')));
      };
      const requestBody = op.requestBody as { content: { 'application/json': { schema: Json } } } | undefined;
      if (requestBody) {
        const bodySchema = resolve(requestBody.content['application/json'].schema);
        if (!entry.args.some((arg) => same(bodySchema, jsonSchema(arg, 'input')))) {
          for (const [name, schema] of Object.entries((bodySchema.properties ?? {}) as Record<string, Json>)) {
            if (!NARROWED[name] && !matches(name, schema)) mismatches.push(`${id}: body.${name}`);
          }
          if (bodySchema.additionalProperties !== false) mismatches.push(`${id}: body is not closed`);
        }
      }
      for (const param of (op.parameters ?? []) as { name: string; in: string; schema: Json }[]) {
        if (param.in !== 'path' || NARROWED[param.name]) continue;
        if (!matches(param.name, param.schema)) mismatches.push(`${id}: path.${param.name}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('covers the catalogue: every transaction the API exposes is named by an operation', () => {
    const named = new Set(operations.map(({ op }) => op['x-obe-tx']).filter(Boolean));
    // Reached only through other operations: the clearing reads the open bodies, lifecycle shares one operation.
    const indirect = new Set<string>([
      TX.RetailMarket.ListOpenOrderBodies.name,
      TX.WholesaleMarket.ListOpenOrderBodies.name,
      TX.Registry.ActivateAsset.name,
      TX.Registry.SuspendAsset.name,
      TX.Registry.ResumeAsset.name,
      TX.Registry.DecommissionAsset.name,
      TX.Participants.ListParticipants.name,
    ]);
    const notOverHttp = CATALOGUE.filter((e) => !named.has(e.name) && !indirect.has(e.name)).map((e) => e.name);
    // Transactions with no HTTP operation (yet): tools and the relay call them through the typed client.
    expect(notOverHttp.sort()).toEqual([TX.Tokens.Consolidate.name]);
  });
});
