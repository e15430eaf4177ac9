/**
 * Abuse limits, with @fastify/rate-limit: per API key on /v1, per client address on failed
 * authentication (checked before the key is looked up, so a flood of made-up keys stops reaching the
 * database) and on the public routes (signed webhooks, unsubscribe pages). Counters live in the
 * process (each gateway process counts its own clients); the answer is 429 problem+json with Retry-After.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { AuthFailureLimit } from './auth.ts';
import { HttpProblem } from './problem.ts';

export interface RateLimits {
  /** Requests per minute; 0 = no limit. */
  perKey: number;
  authFailures: number;
  public: number;
}

const WINDOW_MS = 60_000;

export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new HttpProblem(429, 'rate-limited', `${detail} Retry in ${retryAfterSeconds} s.`, { headers: { 'retry-after': String(retryAfterSeconds) } });

export interface Limiters {
  /** onRequest hook for /v1, after authentication: counts per API key. */
  perKey: onRequestAsyncHookHandler | undefined;
  /** For requireAuthentication: counts failed authentications per client address. */
  authFailures: AuthFailureLimit | undefined;
  /** onRequest hook for public routes: counts per client address. */
  public: onRequestAsyncHookHandler | undefined;
}

/** Each API key counts apart; so does each person signed in (all their sessions together). */
const principalKey = (request: FastifyRequest): string => {
  const principal = request.principal;
  if (principal?.kind === 'api-key') return principal.apiKeyId;
  if (principal?.kind === 'session') return principal.userId;
  return request.ip;
};

/** Registers the plugin on the root instance (no global limit) and builds the three limiters. */
export async function installRateLimits(app: FastifyInstance, limits: RateLimits): Promise<Limiters> {
  await app.register(rateLimit, {
    global: false,
    timeWindow: WINDOW_MS,
    errorResponseBuilder: (_request, context) => tooManyRequests(`More than ${context.max} requests a minute.`, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const perAddress = (prefix: string) => (request: FastifyRequest) => `${prefix}:${request.ip}`;
  let authFailures: AuthFailureLimit | undefined;
  if (limits.authFailures > 0) {
    const counter = app.createRateLimit({ max: limits.authFailures, keyGenerator: perAddress('auth-failures') });
    authFailures = {
      async retryAfter(request) {
        const state = await counter(request, { increment: false });
        // `read` reports the count so far: at the limit, the next failure would already be one too many.
        return !state.isAllowed && state.remaining === 0 ? Math.max(1, state.ttlInSeconds) : undefined;
      },
      async record(request) {
        await counter(request);
      },
    };
  }
  return {
    perKey: limits.perKey > 0 ? app.rateLimit({ max: limits.perKey, keyGenerator: (request) => `key:${principalKey(request)}` }) : undefined,
    authFailures,
    public: limits.public > 0 ? app.rateLimit({ max: limits.public, keyGenerator: perAddress('public') }) : undefined,
  };
}
