import type { Handlers } from '../http/operations';
import type { RouteDeps } from './support';
import { eventRoutes } from './events';
import { registryRoutes } from './registry';
import { systemRoutes } from './system';

/** Every operation handler, by operationId; the OpenAPI document decides where each is mounted. */
export function routeHandlers(deps: RouteDeps): Handlers {
  return {
    ...systemRoutes(deps),
    ...eventRoutes(deps),
    ...registryRoutes(deps),
  };
}
