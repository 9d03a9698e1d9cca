import type { Handlers } from '../http/operations';
import { adminRoutes } from './admin';
import { auditRoutes } from './audit';
import { certificateRoutes } from './certificates';
import { demandResponseRoutes } from './demand-response';
import { eventRoutes } from './events';
import { gridRoutes } from './grid';
import { meteringRoutes } from './metering';
import { operatorRoutes } from './operator';
import { registryRoutes } from './registry';
import { retailRoutes } from './retail';
import type { RouteDeps } from './support';
import { systemRoutes } from './system';
import { tokenRoutes } from './tokens';
import { wholesaleRoutes } from './wholesale';

/** Every operation handler, by operationId; the OpenAPI document decides where each is mounted. */
export function routeHandlers(deps: RouteDeps): Handlers {
  return {
    ...systemRoutes(deps),
    ...registryRoutes(deps),
    ...adminRoutes(deps),
    ...meteringRoutes(deps),
    ...retailRoutes(deps),
    ...wholesaleRoutes(deps),
    ...tokenRoutes(deps),
    ...auditRoutes(deps),
    ...certificateRoutes(deps),
    ...eventRoutes(deps),
    ...operatorRoutes(deps),
    ...demandResponseRoutes(deps),
    ...gridRoutes(deps),
  };
}
