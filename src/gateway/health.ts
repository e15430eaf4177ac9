import { createServer, type Server } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface ReadinessCheck {
  name: string;
  /**
   * Rejects when the process should not get traffic. May resolve with what an operator should see
   * (the live workers); a `degraded` answer keeps the process ready but says what is wrong.
   */
  check(): Promise<void | CheckDetail>;
}

export interface CheckDetail {
  degraded?: string;
  detail: Record<string, unknown>;
}

const readinessBody = z.object({
  status: z.enum(['ready', 'degraded', 'not ready']),
  checks: z.record(z.string(), z.string()),
  details: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
type Readiness = z.infer<typeof readinessBody>;

/** Runs every check (2 s each at most): 'ok', the degradation or the failure per check. */
export async function readiness(checks: ReadinessCheck[]): Promise<Readiness> {
  const details: Record<string, Record<string, unknown>> = {};
  let degraded = false;
  let failed = false;
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        const outcome = await withTimeout(check(), 2000);
        if (outcome) details[name] = outcome.detail;
        if (outcome?.degraded === undefined) return [name, 'ok'] as const;
        degraded = true;
        return [name, outcome.degraded] as const;
      } catch (error) {
        failed = true;
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  const status = failed ? 'not ready' : degraded ? 'degraded' : 'ready';
  return { status, checks: Object.fromEntries(results), ...(Object.keys(details).length > 0 ? { details } : {}) };
}

/** 503 only when not ready: a degraded process still serves (load balancers route on the status code). */
const statusCode = (body: Readiness) => (body.status === 'not ready' ? 503 : 200);

/** /healthz says the process is up; /readyz says the store and queue answer (load balancers route on it). */
export const healthRoutes: FastifyPluginAsyncZod<{ checks: ReadinessCheck[] }> = async (app, { checks }) => {
  const hide = { hide: true, tags: ['health'] };
  app.get('/healthz', { schema: { ...hide, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { ...hide, response: { 200: readinessBody, 503: readinessBody } } }, async (_request, reply) => {
    const body = await readiness(checks);
    return reply.code(statusCode(body)).send(body);
  });
};

/**
 * A worker serves no API, but an orchestrator still needs to probe it: a bare HTTP listener with the
 * same /healthz and /readyz as a gateway, and nothing else (404).
 */
export function healthListener(checks: ReadinessCheck[]): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, { status: 'method not allowed' });
    if (path === '/healthz') return answer(200, { status: 'ok' });
    if (path !== '/readyz') return answer(404, { status: 'not found', paths: ['/healthz', '/readyz'] });
    readiness(checks).then(
      (body) => answer(statusCode(body), body),
      (error: unknown) => answer(503, { status: 'not ready', checks: { readiness: String(error) } }),
    );
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
