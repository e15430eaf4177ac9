import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSafeMethod, requireRole, requiredAccess, type Role } from './access.ts';
import { HttpProblem } from './problem.ts';
import { tooManyRequests } from './rate-limits.ts';
import { SESSION_COOKIE } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Drops a revoked key from this process's cache so the revocation applies to the very next request. */
    forgetApiKey(apiKeyId: string): void;
  }
}

/** Who a request acts for: an API key, or a person signed in to the console (a session cookie). */
export type Principal = ApiKeyPrincipal | SessionPrincipal;

export interface ApiKeyPrincipal {
  kind: 'api-key';
  tenantId: string;
  role: Role;
  apiKeyId: string;
}

export interface SessionPrincipal {
  kind: 'session';
  tenantId: string;
  role: Role;
  userId: string;
  sessionId: string;
  /** What the X-CSRF-Token header must hold on this session's state-changing requests. */
  csrfToken: string;
}

/** Looks a presented key up (tenancy's `authenticateApiKey`, given at composition): its principal, or undefined when unknown or revoked. */
export type ApiKeyAuthenticator = (key: string) => Promise<ApiKeyPrincipal | undefined>;

/** Looks a session cookie's token up (tenancy's `authenticateSession`): undefined when unknown, expired or signed out. */
export type SessionAuthenticator = (token: string) => Promise<SessionPrincipal | undefined>;

const SIGN_IN_HINT = 'Send your API key as "Authorization: Bearer <key>", or sign in to the console (POST /v1/auth/sign-in).';

/** The authenticated tenant of a /v1 request; the hook below guarantees it is set. */
export function tenantOf(request: FastifyRequest): string {
  return principalOf(request).tenantId;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, 'unauthorized', SIGN_IN_HINT);
  return request.principal;
}

/** The calling API key's id; undefined when a person makes the request. */
export const apiKeyIdOf = (request: FastifyRequest): string | undefined => (request.principal?.kind === 'api-key' ? request.principal.apiKeyId : undefined);

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

/**
 * Authenticates every route registered in `scope` (but the anonymous ones of src/gateway/access.ts) with
 * `Authorization: Bearer <key>` or the `hub_session` cookie, then checks the role the route needs.
 * A cookie is sent by the browser on its own, so a state-changing request authenticated by it must
 * also carry the session's X-CSRF-Token header, which another site cannot read nor set.
 */
export function requireAuthentication(
  scope: FastifyInstance,
  authenticate: ApiKeyAuthenticator,
  options: { failures?: AuthFailureLimit; sessions?: SessionAuthenticator } = {},
): void {
  const known = new Map<string, { principal: ApiKeyPrincipal; until: number }>();
  const unknown = new Map<string, number>();
  const remember = <V>(cache: Map<string, V>, digest: string, value: V) => {
    if (cache.size >= CACHE_MAX_KEYS) cache.clear();
    cache.set(digest, value);
  };
  const lookup = async (digest: string, key: string): Promise<ApiKeyPrincipal | undefined> => {
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
  const authenticateKey = async (request: FastifyRequest, header: string): Promise<ApiKeyPrincipal> => {
    const key = header.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const digest = key === undefined ? undefined : createHash('sha256').update(key).digest('base64');
    const hit = digest === undefined ? undefined : known.get(digest);
    if (hit && hit.until > Date.now()) return hit.principal;
    // A client whose address failed too often waits, whatever it sends now: its tries cost no lookup.
    const wait = await options.failures?.retryAfter(request);
    if (wait !== undefined) throw tooManyRequests('Too many failed authentications from this address.', wait);
    if (key === undefined || digest === undefined) return refuse(request, SIGN_IN_HINT, UNAUTHORIZED_HEADERS);
    const principal = await lookup(digest, key);
    if (!principal) {
      return refuse(request, 'This API key is unknown or revoked. Create one with POST /v1/api-keys (or `npm run hub -- keys create`).', {
        'www-authenticate': 'Bearer realm="hub", error="invalid_token"',
      });
    }
    return principal;
  };
  const authenticateCookie = async (request: FastifyRequest, token: string): Promise<SessionPrincipal> => {
    const wait = await options.failures?.retryAfter(request);
    if (wait !== undefined) throw tooManyRequests('Too many failed authentications from this address.', wait);
    const principal = token.length > MAX_KEY_LENGTH || !options.sessions ? undefined : await options.sessions(token);
    if (!principal) return refuse(request, 'Your session has ended (signed out or expired): sign in again.', UNAUTHORIZED_HEADERS);
    if (!isSafeMethod(request.method) && !sameSecret(request.headers['x-csrf-token'], principal.csrfToken)) {
      throw new HttpProblem(
        403,
        'forbidden',
        'A request signed in by the session cookie that changes something must carry the X-CSRF-Token header given by POST /v1/auth/sign-in and GET /v1/session.',
      );
    }
    return principal;
  };
  scope.addHook('onRequest', async (request) => {
    const needed = requiredAccess(request.method, request.routeOptions.url ?? request.url);
    if (needed === 'anonymous') return;
    const header = request.headers.authorization;
    const cookie = request.cookies?.[SESSION_COOKIE];
    // An explicit Authorization header wins over a cookie the browser happens to send along.
    const principal = header === undefined && cookie ? await authenticateCookie(request, cookie) : await authenticateKey(request, header ?? '');
    request.principal = principal;
    requireRole(principal.role, needed, `${request.method} ${request.routeOptions.url ?? request.url}`);
  });
}

function sameSecret(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
