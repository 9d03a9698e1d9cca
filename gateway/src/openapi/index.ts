import { paths, ref, type OperationSpec, type Schema } from './builder';
import { recordComponents } from './catalogue';
import { commonSchemas } from './schemas';
import { adminOperations } from './admin';
import { auditOperations, auditSchemas } from './audit';
import { certificateOperations, certificateSchemas } from './certificates';
import { demandResponseOperations } from './demand-response';
import { eventOperations } from './events';
import { gridOperations } from './grid';
import { marketSchemas } from './market';
import { meteringOperations, meteringSchemas } from './metering';
import { operatorOperations } from './operator';
import { retailOperations } from './retail';
import { tokenOperations } from './tokens';
import { wholesaleOperations } from './wholesale';
import { registryOperations, registrySchemas } from './registry';
import { systemOperations } from './system';

/**
 * The OpenAPI 3 document: the single description of the HTTP API. It is served at /openapi.json, rendered at /docs,
 * and the gateway validates every request and every response against it.
 */

export interface Segment {
  operations: OperationSpec[];
  schemas?: Record<string, Schema>;
}

/** Every segment of the API, in the order the docs list them. */
const segments: Segment[] = [
  { operations: systemOperations },
  { operations: registryOperations, schemas: registrySchemas },
  { operations: adminOperations },
  { operations: meteringOperations, schemas: meteringSchemas },
  { operations: retailOperations, schemas: marketSchemas },
  { operations: wholesaleOperations },
  { operations: tokenOperations },
  { operations: auditOperations, schemas: auditSchemas },
  { operations: certificateOperations, schemas: certificateSchemas },
  { operations: eventOperations },
  { operations: operatorOperations },
  { operations: demandResponseOperations },
  { operations: gridOperations },
];

const builtins: Record<string, Record<string, Schema>> = {
  '/healthz': {
    get: {
      operationId: 'getHealth', tags: ['operations'], summary: 'Liveness: the process answers', security: [], 'x-obe-builtin': true,
      responses: { '200': { description: 'Up', content: { 'application/json': { schema: ref('Health') } } } },
    },
  },
  '/readyz': {
    get: {
      operationId: 'getReadiness', tags: ['operations'], summary: 'Readiness: the ledger is reachable; block height per channel', security: [], 'x-obe-builtin': true,
      responses: {
        '200': { description: 'Ready', content: { 'application/json': { schema: ref('Ready') } } },
        '503': { description: 'Starting or ledger unreachable', content: { 'application/json': { schema: ref('Ready') } } },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics', tags: ['operations'], summary: 'Prometheus metrics', security: [], 'x-obe-builtin': true,
      responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApi', tags: ['operations'], summary: 'This document', security: [], 'x-obe-builtin': true,
      responses: { '200': { description: 'OpenAPI 3 document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};

export function buildOpenApiDocument(): Record<string, unknown> {
  // The records transactions answer with are generated from the chaincode's catalogue; the rest is the gateway's own.
  const schemas: Record<string, Schema> = { ...commonSchemas, ...recordComponents() };
  const ops: OperationSpec[] = [];
  for (const segment of segments) {
    for (const [name, schema] of Object.entries(segment.schemas ?? {})) {
      if (schemas[name]) throw new Error(`schema ${name} defined twice`);
      schemas[name] = schema;
    }
    ops.push(...segment.operations);
  }
  const tags = [...new Set(ops.map((o) => o.tag))].map((name) => ({ name }));
  return {
    openapi: '3.0.3',
    info: {
      title: 'OBE gateway API',
      version: '1.0.0',
      description:
        'Wholesale and retail segment APIs of OBE (Open Blockchain Energy) over Hyperledger Fabric. Authenticate with ' +
        '`Authorization: Bearer <api key>`; each key acts as one ledger identity of one org. Errors are ' +
        '`{error: {code, message, details?, requestId}}` with a stable code. Submits return `{txId, blockNumber, result}`; ' +
        'they accept `Idempotency-Key` and `Prefer: respond-async`.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    tags: [...tags, { name: 'operations' }],
    paths: { ...builtins, ...paths(ops) },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An OBE API key' } },
      schemas,
    },
  };
}
