import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../store/db.ts';
import { authenticateApiKey, type Principal } from '../tenancy/api-keys.ts';
import { HttpProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** The authenticated tenant of a /v1 request; the hook below guarantees it is set. */
export function tenantOf(request: FastifyRequest): string {
  if (!request.principal) throw new HttpProblem(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>".');
  return request.principal.tenantId;
}

/** Requires `Authorization: Bearer <key>` on every route registered in `scope`. */
export function requireApiKey(scope: FastifyInstance, db: Db): void {
  scope.decorateRequest('principal', undefined);
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      throw new HttpProblem(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>".', {
        headers: { 'www-authenticate': 'Bearer realm="hub"' },
      });
    }
    const principal = await authenticateApiKey(db, match[1]!);
    if (!principal) {
      throw new HttpProblem(401, 'unauthorized', 'This API key is unknown or revoked. Create one with `npm run hub -- keys create`.', {
        headers: { 'www-authenticate': 'Bearer realm="hub", error="invalid_token"' },
      });
    }
    request.principal = principal;
  });
}
