import { TX } from '@obe/chaincode';
import { HttpError } from '../http/errors';
import type { Handlers } from '../http/operations';
import { CHANNEL_ENERGY, evaluate, type RouteDeps } from './support';

/** GET /api/v1/operator/status: the market operator agent's status, for the market operator and the regulator. */
export function operatorRoutes(deps: RouteDeps): Handlers {
  return {
    getOperatorStatus: async (ctx) => {
      const me = await evaluate(deps, ctx, TX.Participants.WhoAmI, [], { channel: CHANNEL_ENERGY });
      const roles = me.effectiveRoles ?? me.participant?.roles ?? [];
      if (!roles.includes('MARKET_OPERATOR') && !roles.includes('REGULATOR')) {
        throw new HttpError(403, 'FORBIDDEN', "the operator agent's status is for the market operator and the regulator");
      }
      const agent = deps.gateway.operatorAgent;
      return { status: 200, body: agent ? agent.status() : { enabled: false, state: 'off' } };
    },
  };
}
