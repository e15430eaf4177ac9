import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import cookie from '@fastify/cookie';
import { requireAuthentication, type ApiKeyAuthenticator, type SessionAuthenticator } from './auth.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';
import { registerOpenApi } from './openapi.ts';
import { answerClientError, answerFrameworkError } from './framework-errors.ts';
import { installInputGuard } from './input-guard.ts';
import { installProblemHandlers } from './problem.ts';
import { installRateLimits, type RateLimits } from './rate-limits.ts';

/** A feature's routes: registered under /v1 behind API-key auth, or at the root for signed public endpoints. */
export interface RouteModule {
  /**
   * `/v1` routes need an API key or a console session, and the role src/gateway/access.ts names for them;
   * `public` routes (webhook receivers, one-click unsubscribe) verify their own signatures.
   */
  scope: 'v1' | 'public';
  prefix?: string;
  register(app: FastifyInstance): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  /** Checks the API keys of /v1 requests (tenancy's, given by the composition root: the gateway does not know where keys are kept). */
  authenticateApiKey: ApiKeyAuthenticator;
  /** Checks the console's session cookies (tenancy's); without it, /v1 takes API keys only. */
  authenticateSession?: SessionAuthenticator;
  publicUrl: string;
  version: string;
  bodyLimitBytes: number;
  /** The hub passes its configuration; tests of one route module may leave these out (no limits, Fastify's timeouts). */
  rateLimits?: RateLimits;
  trustProxy?: boolean | number | string;
  timeouts?: ServerTimeouts;
  readiness: ReadinessCheck[];
  routes: RouteModule[];
}

/**
 * How long a client may take. Node's defaults let a request that sends less than its Content-Length
 * hold its connection for 5 minutes (Fastify even turns the request timeout off), and a few hundred
 * such connections exhaust the server.
 */
export interface ServerTimeouts {
  /** Until the request's headers have arrived. */
  headersMs: number;
  /** Until the whole request (headers and body) has arrived. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

/** A number of hops trusts that many proxies in front of the hub (Fastify's types take it as a function). */
const trustProxyOption = (trust: boolean | number | string) => (typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust);

function serverTimeoutOptions(timeouts: ServerTimeouts) {
  return {
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node enforces both timeouts from a periodic sweep (every 30 s by default): sweep often enough that they mean what they say.
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersMs / 4))) },
  };
}

/**
 * The HTTP gateway, in order: infrastructure (validation, errors, OpenAPI, health), then features.
 * Features arrive as route modules from each part of the hub; this file does not know them.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    // Keep each connector's raw body intact for signature checks: parsers are per route where needed.
    return503OnClosing: true,
    trustProxy: trustProxyOption(options.trustProxy ?? false),
    ...(options.timeouts ? serverTimeoutOptions(options.timeouts) : {}),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installProblemHandlers(app);
  await app.register(cookie);
  installInputGuard(app);
  const limiters = await installRateLimits(app, options.rateLimits ?? { perKey: 0, authFailures: 0, public: 0 });
  await registerOpenApi(app, options.publicUrl, options.version);
  await app.register(healthRoutes, { checks: options.readiness });

  await app.register(
    async (v1) => {
      requireAuthentication(v1, options.authenticateApiKey, {
        failures: limiters.authFailures,
        ...(options.authenticateSession ? { sessions: options.authenticateSession } : {}),
      });
      if (limiters.perKey) v1.addHook('onRequest', limiters.perKey);
      // The API speaks JSON only: a text/plain body is refused with 415 instead of failing validation as a string.
      v1.removeContentTypeParser('text/plain');
      for (const module of options.routes.filter((route) => route.scope === 'v1')) {
        await v1.register((scope) => module.register(scope), { prefix: module.prefix ?? '' });
      }
    },
    { prefix: '/v1' },
  );
  for (const module of options.routes.filter((route) => route.scope === 'public')) {
    await app.register(
      async (scope) => {
        if (limiters.public) scope.addHook('onRequest', limiters.public);
        await module.register(scope);
      },
      { prefix: module.prefix ?? '' },
    );
  }
  return app;
}
