import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../gateway/app.ts';
import { ROLES } from '../gateway/access.ts';
import { principalOf } from '../gateway/auth.ts';
import type { Db } from '../store/db.ts';
import { apiKeyRoutes } from './api-key-routes.ts';
import { authRoutes, type AuthRouteOptions } from './auth-routes.ts';
import { peopleRoutes } from './people-routes.ts';
import { getTenant } from './tenants.ts';

/** GET /v1/me: who this API key belongs to (Zapier's connection test and label use it; no secret in it); /v1/api-keys. */
export const tenancyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  await app.register(apiKeyRoutes, { db });
  app.get(
    '/me',
    {
      schema: {
        tags: ['tenancy'],
        summary: 'Who makes this request: the tenant, the role, and the API key or the signed-in user',
        response: {
          200: z.object({
            tenantId: z.string(),
            tenantName: z.string(),
            role: z.enum(ROLES),
            apiKeyId: z.string().nullable().describe('null when a person signed in to the console makes the request'),
            userId: z.string().nullable().describe('null when an API key makes the request'),
          }),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const tenant = await getTenant(db, principal.tenantId);
      return {
        tenantId: tenant!.id,
        tenantName: tenant!.name,
        role: principal.role,
        apiKeyId: principal.kind === 'api-key' ? principal.apiKeyId : null,
        userId: principal.kind === 'session' ? principal.userId : null,
      };
    },
  );
};

export interface TenancyRouteOptions {
  publicUrl: string;
  /** Failed sign-ins a minute for one email from one address; 0 = no limit. */
  signInFailuresPerMinute: number;
}

/** The tenancy part's routes as the hub registers them: /v1/me, API keys, and the console's people and sessions. */
export const tenancyRouteModules = (db: Db, options: TenancyRouteOptions): RouteModule[] => {
  const auth: AuthRouteOptions = { db, secureCookies: options.publicUrl.startsWith('https:'), signInFailuresPerMinute: options.signInFailuresPerMinute };
  return [
    {
      scope: 'v1',
      register: async (app) => {
        await app.register(tenancyRoutes, { db });
        await app.register(authRoutes, auth);
        await app.register(peopleRoutes, { db, publicUrl: options.publicUrl });
      },
    },
  ];
};
