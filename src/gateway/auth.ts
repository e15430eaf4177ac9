import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../store/db.ts';
import { authenticateApiKey, type Principal } from '../tenancy/api-keys.ts';
import { HttpProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Drops a revoked key from this process's cache so the revocation applies to the very next request. */
    forgetApiKey(apiKeyId: string): void;
  }
}

/** The authenticated tenant of a /v1 request; the hook below guarantees it is set. */
export function tenantOf(request: FastifyRequest): string {
  if (!request.principal) throw new HttpProblem(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>".');
  return request.principal.tenantId;
}

/**
 * Recently verified keys, so a busy client costs one database read per key every few seconds
 * instead of one per request. The price: a key revoked in another process keeps working for at
 * most `CACHE_TTL_MS` (docs/api-errors.md says so); in the process that revoked it, at once
 * (`forgetApiKey`). Keyed by the presented key, held in memory only.
 */
const CACHE_TTL_MS = 10_000;
const CACHE_MAX_KEYS = 10_000;

/** Requires `Authorization: Bearer <key>` on every route registered in `scope`. */
export function requireApiKey(scope: FastifyInstance, db: Db): void {
  const cache = new Map<string, { principal: Principal; until: number }>();
  const lookup = async (key: string): Promise<Principal | undefined> => {
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.principal;
    const principal = await authenticateApiKey(db, key);
    if (cache.size >= CACHE_MAX_KEYS) cache.clear();
    if (principal) cache.set(key, { principal, until: Date.now() + CACHE_TTL_MS });
    else cache.delete(key);
    return principal;
  };
  scope.decorate('forgetApiKey', (apiKeyId: string) => {
    for (const [key, entry] of cache) if (entry.principal.apiKeyId === apiKeyId) cache.delete(key);
  });
  scope.decorateRequest('principal', undefined);
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      throw new HttpProblem(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>".', {
        headers: { 'www-authenticate': 'Bearer realm="hub"' },
      });
    }
    const principal = await lookup(match[1]!);
    if (!principal) {
      throw new HttpProblem(401, 'unauthorized', 'This API key is unknown or revoked. Create one with `npm run hub -- keys create`.', {
        headers: { 'www-authenticate': 'Bearer realm="hub", error="invalid_token"' },
      });
    }
    request.principal = principal;
  });
}
