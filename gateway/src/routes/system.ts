import fs from 'node:fs';
import { errorSummary, HttpError } from '../http/errors';
import type { Handlers } from '../http/operations';
import { callerOf, type RouteDeps } from './support';

export function systemRoutes(deps: RouteDeps): Handlers {
  return {
    listDemoIdentities: async () => {
      const file = deps.gateway.demoKeysFile;
      if (!file || !fs.existsSync(file)) throw new HttpError(404, 'NOT_FOUND', 'this gateway has no demo identities');
      const keys = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { key: string; mspId: string }>;
      return { status: 200, body: Object.entries(keys).map(([label, k]) => ({ label, mspId: k.mspId, key: k.key })) };
    },
    getCaller: async (ctx) => {
      const caller = callerOf(ctx);
      const identity = deps.gateway.ledger().identities().find((i) => i.label === caller.identity);
      return { status: 200, body: { keyId: caller.keyId, identity: caller.identity, mspId: identity?.mspId ?? '' } };
    },
    getSubmitStatus: async (ctx) => {
      const record = await deps.gateway.requireSubmits().status(String(ctx.params.txId), callerOf(ctx).identity);
      if (!record) throw new HttpError(404, 'NOT_FOUND', `no submit ${String(ctx.params.txId)} by this identity`);
      return {
        status: 200,
        body: {
          txId: record.txId,
          status: record.status,
          ...(record.blockNumber === undefined ? {} : { blockNumber: record.blockNumber }),
          ...(record.status === 'committed' ? { result: record.result ?? null } : {}),
          ...(record.error ? { error: errorSummary(record.error) } : {}),
        },
      };
    },
  };
}
