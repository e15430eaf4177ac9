import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../gateway/auth.ts';
import type { Db } from '../store/db.ts';
import type { EventBus } from './event-bus.ts';
import { EventStreamReader } from './event-stream.ts';
import { toPublicEvent } from './trigger-event.ts';

/** A stream with nothing new checks the table this often (events stored by other processes); this process's own wake it at once. */
const POLL_MS = 1_000;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const StreamQuery = z.object({
  type: z.string().max(1000).optional().describe('Only these event types, separated by commas (order.created,cart.abandoned).'),
  source: z.string().max(1000).optional().describe('Only events from these sources, separated by commas (woocommerce,api).'),
});

/**
 * GET /v1/events/stream: the tenant's events as server-sent events, as they are stored. Each message
 * is one event as GET /v1/events shows it (`data:` JSON, `id:` its sequence number); an EventSource
 * that reconnects sends the last id back (Last-Event-ID) and gets what it missed.
 */
export const eventStreamRoutes: FastifyPluginAsyncZod<{ db: Db; bus: EventBus }> = async (app, { db, bus }) => {
  const open = new Set<() => void>();
  // Streams never end on their own: closing the hub ends them, or it would wait for every browser to leave.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get(
    '/events/stream',
    {
      schema: {
        tags: ['events'],
        summary: "Live stream of the tenant's events (server-sent events)",
        description:
          'Content-Type text/event-stream. Each message: `id: <sequence>` and `data: <the event as JSON, as GET /v1/events shows it>`. ' +
          'Starts with the events stored after the request (or after Last-Event-ID when the header is sent); a `: keep-alive` comment every 15 s. ' +
          'Works with an API key or the console session cookie (EventSource).',
        querystring: StreamQuery,
        headers: z.object({ 'last-event-id': z.string().regex(/^\d{1,18}$/, 'expected the id of an event of this stream').optional() }),
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const lastEventId = request.headers['last-event-id'];
      const reader = await EventStreamReader.open(
        db,
        { tenantId, types: list(request.query.type), sources: list(request.query.source) },
        lastEventId === undefined ? undefined : Number(lastEventId),
      );
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and other proxies would otherwise hold the stream back in their buffers.
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 2000\n\n');

      let closed = false;
      let wake: (() => void) | undefined;
      const end = () => {
        closed = true;
        wake?.();
      };
      open.add(end);
      const stopListening = bus.onStored((storedFor) => {
        if (storedFor === tenantId) wake?.();
      });
      request.raw.on('close', end);
      raw.on('error', end);
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      try {
        while (!closed) {
          for (const event of await reader.next()) raw.write(`id: ${event.seq}\ndata: ${JSON.stringify(toPublicEvent(event))}\n\n`);
          if (closed) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, POLL_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      } catch (error) {
        request.log.warn({ err: error }, 'event stream stopped');
      } finally {
        clearInterval(keepAlive);
        stopListening();
        open.delete(end);
        raw.end();
      }
    },
  );
};
