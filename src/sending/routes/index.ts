/**
 * The sending API, one file per resource: /v1/messages (send, read, list), /v1/messages/preview,
 * /v1/sending/settings, /v1/sending/providers, /v1/sandbox. The public one-click unsubscribe route
 * lives in ../unsubscribe/.
 */
import type { RouteModule } from '../../gateway/app.ts';
import type { SendingDeps } from '../deps.ts';
import type { SendingModule } from '../sending-module.ts';
import { messageRoutes } from './messages.ts';
import { previewRoutes } from './preview.ts';
import { providerRoutes } from './providers.ts';
import { sandboxRoutes } from './sandbox.ts';
import { settingsRoutes } from './settings.ts';

export function sendingRoutes(deps: SendingDeps, module: SendingModule): RouteModule[] {
  return [
    { scope: 'v1', register: async (app) => void (await app.register(messageRoutes, { deps, module })) },
    { scope: 'v1', register: async (app) => void (await app.register(previewRoutes, { module })) },
    { scope: 'v1', register: async (app) => void (await app.register(settingsRoutes, { deps })) },
    { scope: 'v1', register: async (app) => void (await app.register(providerRoutes, { deps })) },
    { scope: 'v1', register: async (app) => void (await app.register(sandboxRoutes, { deps })) },
  ];
}
