/** /v1/connectors, one file per resource: the catalog, the tenant's installations, and actions run by hand. */
import type { RouteModule } from '../../gateway/app.ts';
import type { ConnectorDeps } from '../deps.ts';
import { actionRoutes } from './actions.ts';
import { catalogRoutes } from './catalog.ts';
import { installationRoutes } from './installations.ts';
import { oauthRoutes } from './oauth.ts';

export function connectorRoutes(deps: ConnectorDeps): RouteModule[] {
  return [
    { scope: 'v1', register: async (app) => void (await app.register(catalogRoutes, { deps })) },
    { scope: 'v1', register: async (app) => void (await app.register(oauthRoutes, { deps, providers: deps.oauth.providers })) },
    { scope: 'v1', register: async (app) => void (await app.register(installationRoutes, { deps })) },
    { scope: 'v1', register: async (app) => void (await app.register(actionRoutes, { deps })) },
  ];
}
