import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';
import { tooManyRequests } from './rate-limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Drops a revoked key from this process's cache so the revocation applies to the very next request. */
    forgetApiKey(apiKeyId: string): void;
  }
}

/** Who a valid API key acts for. */
export interface Principal {
  tenantId: string;
  apiKeyId: string;
}

/** Looks a presented key up (tenancy's `authenticateApiKey`, given at composition): its principal, or undefined when unknown or revoked. */
export type ApiKeyAuthenticator = (key: string) => Promise<Principal | undefined>;

/** The authenticated tenant of a /v1 request; the hook below guarantees it is set. */
export function tenantOf(request: FastifyRequest): string {
  if (!request.principal) throw new HttpProblem(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>".');
  return request.principal.tenantId;
}

/**
 * Recently verified keys, so a busy client costs one database read per key every few seconds
 * instead of one per request. The price: a key revoked in another process keeps working for at
 * most `CACHE_TTL_MS` (docs/api-errors.md says so); in the process that revoked it, at once
 * (`forgetApiKey`). Unknown keys are remembered for a shorter time, so a client retrying a wrong key
 * (or a flood of one made-up key) does not reach the database each time. Keyed by the SHA-256 of the
 * presented key: held in memory only, a fixed size per entry.
 */
const CACHE_TTL_MS = 10_000;
export const UNKNOWN_KEY_TTL_MS = 5_000;
const CACHE_MAX_KEYS = 10_000;
/** Issued keys are 44 characters and bootstrap keys at most 256 (src/config.ts): a longer one is not looked up. */
const MAX_KEY_LENGTH = 256;

/** Counts failed authentications per client address (src/gateway/rate-limits.ts). */
export interface AuthFailureLimit {
  /** Seconds until this client may try again when it failed too often; undefined when it may try now. */
  retryAfter(request: FastifyRequest): Promise<number | undefined>;
  record(request: FastifyRequest): Promise<void>;
}

const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Bearer realm="hub"' };

/** Requires `Authorization: Bearer <key>` on every route registered in `scope`. */
export function requireApiKey(scope: FastifyInstance, authenticate: ApiKeyAuthenticator, options: { failures?: AuthFailureLimit } = {}): void {
  const known = new Map<string, { principal: Principal; until: number }>();
  const unknown = new Map<string, number>();
  const remember = <V>(cache: Map<string, V>, digest: string, value: V) => {
    if (cache.size >= CACHE_MAX_KEYS) cache.clear();
    cache.set(digest, value);
  };
  const lookup = async (digest: string, key: string): Promise<Principal | undefined> => {
    if ((unknown.get(digest) ?? 0) > Date.now()) return undefined;
    const principal = key.length > MAX_KEY_LENGTH ? undefined : await authenticate(key);
    if (principal) {
      remember(known, digest, { principal, until: Date.now() + CACHE_TTL_MS });
      unknown.delete(digest);
    } else {
      remember(unknown, digest, Date.now() + UNKNOWN_KEY_TTL_MS);
      known.delete(digest);
    }
    return principal;
  };
  const refuse = async (request: FastifyRequest, detail: string, headers: Record<string, string>): Promise<never> => {
    await options.failures?.record(request);
    throw new HttpProblem(401, 'unauthorized', detail, { headers });
  };
  scope.decorate('forgetApiKey', (apiKeyId: string) => {
    for (const [digest, entry] of known) if (entry.principal.apiKeyId === apiKeyId) known.delete(digest);
  });
  scope.decorateRequest('principal', undefined);
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const key = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const digest = key === undefined ? undefined : createHash('sha256').update(key).digest('base64');
    const hit = digest === undefined ? undefined : known.get(digest);
    if (hit && hit.until > Date.now()) {
      request.principal = hit.principal;
      return;
    }
    // A client whose address failed too often waits, whatever it sends now: its tries cost no lookup.
    const wait = await options.failures?.retryAfter(request);
    if (wait !== undefined) throw tooManyRequests('Too many failed authentications from this address.', wait);
    if (key === undefined || digest === undefined) return refuse(request, 'Send your API key as "Authorization: Bearer <key>".', UNAUTHORIZED_HEADERS);
    const principal = await lookup(digest, key);
    if (!principal) {
      return refuse(request, 'This API key is unknown or revoked. Create one with POST /v1/api-keys (or `npm run hub -- keys create`).', {
        'www-authenticate': 'Bearer realm="hub", error="invalid_token"',
      });
    }
    request.principal = principal;
  });
}
