import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** /healthz says the process is up; /readyz says the store and queue answer (load balancers route on it). */
export const healthRoutes: FastifyPluginAsyncZod<{ checks: ReadinessCheck[] }> = async (app, { checks }) => {
  const hide = { hide: true, tags: ['health'] };
  app.get('/healthz', { schema: { ...hide, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { schema: { ...hide, response: { 200: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }), 503: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }) } } },
    async (_request, reply) => {
      const results = await Promise.all(
        checks.map(async ({ name, check }) => {
          try {
            await withTimeout(check(), 2000);
            return [name, 'ok'] as const;
          } catch (error) {
            return [name, error instanceof Error ? error.message : String(error)] as const;
          }
        }),
      );
      const ready = results.every(([, result]) => result === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
    },
  );
};

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
