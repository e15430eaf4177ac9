import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../gateway/app.ts';
import { tenantOf } from '../gateway/auth.ts';
import type { Db } from '../store/db.ts';
import { apiKeyRoutes } from './api-key-routes.ts';
import { getTenant } from './tenants.ts';

/** GET /v1/me: who this API key belongs to (Zapier's connection test and label use it; no secret in it); /v1/api-keys. */
export const tenancyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  await app.register(apiKeyRoutes, { db });
  app.get(
    '/me',
    {
      schema: {
        tags: ['tenancy'],
        summary: 'The tenant of the API key',
        response: { 200: z.object({ tenantId: z.string(), tenantName: z.string(), apiKeyId: z.string() }) },
      },
    },
    async (request) => {
      const tenant = await getTenant(db, tenantOf(request));
      return { tenantId: tenant!.id, tenantName: tenant!.name, apiKeyId: request.principal!.apiKeyId };
    },
  );
};

/** The tenancy part's routes as the hub registers them. */
export const tenancyRouteModules = (db: Db): RouteModule[] => [{ scope: 'v1', register: async (app) => void (await app.register(tenancyRoutes, { db })) }];
