import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { requireApiKey } from './auth.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';
import { registerOpenApi } from './openapi.ts';
import { installProblemHandlers } from './problem.ts';
import type { Db } from '../store/db.ts';

/** A feature's routes: registered under /v1 behind API-key auth, or at the root for signed public endpoints. */
export interface RouteModule {
  /** `/v1` routes need an API key; `public` routes (webhook receivers, one-click unsubscribe) verify their own signatures. */
  scope: 'v1' | 'public';
  prefix?: string;
  register(app: FastifyInstance): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  db: Db;
  publicUrl: string;
  version: string;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
  routes: RouteModule[];
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
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installProblemHandlers(app);
  await registerOpenApi(app, options.publicUrl, options.version);
  await app.register(healthRoutes, { checks: options.readiness });

  await app.register(
    async (v1) => {
      requireApiKey(v1, options.db);
      // The API speaks JSON only: a text/plain body is refused with 415 instead of failing validation as a string.
      v1.removeContentTypeParser('text/plain');
      for (const module of options.routes.filter((route) => route.scope === 'v1')) {
        await v1.register((scope) => module.register(scope), { prefix: module.prefix ?? '' });
      }
    },
    { prefix: '/v1' },
  );
  for (const module of options.routes.filter((route) => route.scope === 'public')) {
    await app.register((scope) => module.register(scope), { prefix: module.prefix ?? '' });
  }
  return app;
}
