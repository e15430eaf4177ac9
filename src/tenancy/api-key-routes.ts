import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mayGrant, ROLES } from '../gateway/access.ts';
import { apiKeyIdOf, principalOf, tenantOf } from '../gateway/auth.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import { countActiveApiKeys, createApiKey, getApiKey, listApiKeys, revokeApiKey, type ApiKeyInfo } from './api-keys.ts';

/** Each key is one more credential to leak: a bound that still leaves one key per integration. */
const MAX_ACTIVE_KEYS_PER_TENANT = 100;

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().describe('What the key is for, as given at creation.'),
    role: z.enum(ROLES).describe('What the key may do (the roles of docs/console.md); keys made before roles existed are admin.'),
    prefix: z.string().describe('The first 8 characters of the key, to tell keys apart; the key itself is never shown again.'),
    current: z.boolean().describe('true for the key that made this request.'),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().describe('Last successful authentication, refreshed at most once a minute.'),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const CreateBodySchema = z
  .object({
    name: z.string().trim().min(1).max(100).describe('What the key is for ("zapier", "shop backend"…).'),
    role: z.enum(ROLES).default('admin').describe('What the key may do; at most the role of whoever creates it (owner keys only by an owner).'),
  })
  .strict();
const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });
const RevokeQuerySchema = z.object({
  allowSelf: z
    .enum(['true', 'false'], { message: 'expected "true" or "false"' })
    .default('false')
    .describe('Set to true to revoke the key that makes this request (it stops working at once).'),
});

const iso = (date: Date | null) => date?.toISOString() ?? null;

function toApiKey(info: ApiKeyInfo, callingKeyId: string | undefined): z.infer<typeof ApiKeySchema> {
  return {
    id: info.id,
    name: info.name,
    role: info.role,
    prefix: info.hint.replace(/…$/, ''),
    current: info.id === callingKeyId,
    createdAt: info.createdAt.toISOString(),
    lastUsedAt: iso(info.lastUsedAt),
    revokedAt: iso(info.revokedAt),
  };
}

/**
 * /v1/api-keys: a tenant manages its own keys with any of its keys, so only the very first key
 * needs the CLI (or HUB_BOOTSTRAP_API_KEY). Revoking the calling key needs `allowSelf=true`: a
 * script that revokes "the old key" by mistake would otherwise lock itself out.
 */
export const apiKeyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const callingKeyId = apiKeyIdOf;

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['tenancy'],
        summary: 'Create an API key for this tenant',
        description: 'The key is in this answer only (it is stored hashed); store it now.',
        body: CreateBodySchema,
        response: { 201: ApiKeySchema.extend({ key: z.string().describe('The API key, shown only in this answer.') }), 400: ProblemSchema, 403: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { role } = principalOf(request);
      if (!mayGrant(role, request.body.role)) {
        throw new HttpProblem(403, 'forbidden', `A ${role} cannot create a key with the ${request.body.role} role: a key has at most the role of whoever creates it.`);
      }
      if ((await countActiveApiKeys(db, tenantId)) >= MAX_ACTIVE_KEYS_PER_TENANT) {
        throw new HttpProblem(422, 'unprocessable', `A tenant has at most ${MAX_ACTIVE_KEYS_PER_TENANT} active API keys; revoke unused ones first.`);
      }
      const { key, info } = await createApiKey(db, tenantId, request.body.name, undefined, request.body.role);
      return reply.code(201).send({ ...toApiKey(info, callingKeyId(request)), key });
    },
  );

  app.get(
    '/api-keys',
    {
      schema: {
        tags: ['tenancy'],
        summary: "The tenant's API keys, active and revoked, oldest first (never the keys themselves)",
        response: { 200: z.object({ items: z.array(ApiKeySchema) }) },
      },
    },
    async (request) => ({ items: (await listApiKeys(db, tenantOf(request))).map((info) => toApiKey(info, callingKeyId(request))) }),
  );

  app.get(
    '/api-keys/:id',
    { schema: { tags: ['tenancy'], summary: 'One API key', params: IdParamsSchema, response: { 200: ApiKeySchema, 404: ProblemSchema } } },
    async (request) => {
      const info = await getApiKey(db, tenantOf(request), request.params.id);
      if (!info) throw notFound('API key', request.params.id);
      return toApiKey(info, callingKeyId(request));
    },
  );

  const revokeSchema = {
    params: IdParamsSchema,
    querystring: RevokeQuerySchema,
    response: { 200: ApiKeySchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
  };
  const revokeDescription =
    'The key stops working at once in this process and within 10 seconds in the others; it stays listed as revoked. ' +
    'Revoking the key that makes this request answers 409 unless allowSelf=true. Revoking a revoked key answers it unchanged. ' +
    'An owner key is revoked by an owner only.';
  const revoke = async (request: { params: { id: string }; query: { allowSelf: 'true' | 'false' } } & Parameters<typeof principalOf>[0]) => {
    const { tenantId, role } = principalOf(request);
    const { id } = request.params;
    if (id === callingKeyId(request) && request.query.allowSelf !== 'true') {
      throw new HttpProblem(409, 'conflict', 'This is the key making the request: revoking it locks this client out. Add ?allowSelf=true to revoke it anyway.');
    }
    const existing = await getApiKey(db, tenantId, id);
    if (!existing) throw notFound('API key', id);
    if (!mayGrant(role, existing.role)) throw new HttpProblem(403, 'forbidden', `A ${role} cannot revoke a key with the ${existing.role} role.`);
    if (await revokeApiKey(db, tenantId, id)) app.forgetApiKey(id);
    return toApiKey((await getApiKey(db, tenantId, id))!, callingKeyId(request));
  };
  app.post('/api-keys/:id/revoke', { schema: { tags: ['tenancy'], summary: 'Revoke an API key', description: revokeDescription, ...revokeSchema } }, revoke);
  app.delete('/api-keys/:id', { schema: { tags: ['tenancy'], summary: 'Revoke an API key (the same as POST /v1/api-keys/{id}/revoke)', description: revokeDescription, ...revokeSchema } }, revoke);
};
