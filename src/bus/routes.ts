import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../gateway/app.ts';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import { checkEventData, eventCatalog, eventTypeContributor } from './catalog/index.ts';
import type { EventBus } from './event-bus.ts';
import { findEvent, listEvents } from './event-store.ts';
import { eventStreamRoutes } from './stream-routes.ts';
import { InvalidSubjectError } from './subject-phone.ts';
import { EventSourceSchema, EventSubjectSchema, PublicEventSchema, toPublicEvent } from './trigger-event.ts';

const PublishBodySchema = z
  .object({
    type: z.string().min(1).max(100).describe('A catalog event type (GET /v1/event-types) or "custom.<name>".'),
    source: EventSourceSchema.default('api').describe('The system the event comes from.'),
    dedupeKey: z.string().min(1).max(200).optional().describe('Events with the same source and key are stored once; the Idempotency-Key header works too.'),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    subject: EventSubjectSchema.default({}),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

const DeliverySchema = z.object({
  id: z.string(),
  subscriber: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.array(
    z.object({ attempt: z.number(), startedAt: z.string(), durationMs: z.number(), outcome: z.string(), statusCode: z.number().nullable(), error: z.string().nullable() }),
  ),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

/** An event's deliveries with their attempts, oldest first (empty for another tenant's event). */
async function deliveriesOf(db: Db, tenantId: string, eventId: string): Promise<z.infer<typeof DeliverySchema>[]> {
  const deliveries = await db.query<{ id: string; subscriber: string; status: 'pending' | 'succeeded' | 'failed'; last_error: string | null; next_attempt_at: Date | null }>(
    'SELECT id, subscriber, status, last_error, next_attempt_at FROM event_deliveries WHERE tenant_id = $1 AND event_id = $2 ORDER BY created_at, id',
    [tenantId, eventId],
  );
  const attempts = await db.query<{ delivery_id: string; attempt: number; started_at: Date; duration_ms: number; outcome: string; status_code: number | null; error: string | null }>(
    `SELECT a.* FROM delivery_attempts a JOIN event_deliveries d ON d.id = a.delivery_id
     WHERE d.tenant_id = $1 AND d.event_id = $2 ORDER BY a.attempt`,
    [tenantId, eventId],
  );
  return deliveries.map((delivery) => ({
    id: delivery.id,
    subscriber: delivery.subscriber,
    status: delivery.status,
    lastError: delivery.last_error,
    nextAttemptAt: delivery.next_attempt_at?.toISOString() ?? null,
    attempts: attempts
      .filter((attempt) => attempt.delivery_id === delivery.id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        startedAt: attempt.started_at.toISOString(),
        durationMs: attempt.duration_ms,
        outcome: attempt.outcome,
        statusCode: attempt.status_code,
        error: attempt.error,
      })),
  }));
}

export const busRoutes: FastifyPluginAsyncZod<{ db: Db; bus: EventBus }> = async (app, { db, bus }) => {
  app.post(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Publish an event',
        description:
          'Stores the event once (deduplicated on source + dedupeKey) and dispatches it to scenarios and subscriptions. ' +
          'subject.phone is stored in E.164 (national numbers read in the tenant\'s region); a value that is not a phone number is refused (400, subject.phone).',
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: PublishBodySchema,
        response: { 200: z.object({ id: z.string(), duplicate: z.literal(true) }), 201: z.object({ id: z.string(), duplicate: z.literal(false) }), 400: ProblemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const checked = checkEventData(body.type, body.data);
      // Paths from the body's root, as the schema's own errors give them (`body.data.total.amount`).
      if (!checked.ok) throw new HttpProblem(400, 'validation-failed', checked.problem, { errors: checked.issues.map((issue) => ({ ...issue, path: `body.${issue.path}` })) });
      const result = await bus
        .publish({
          tenantId: tenantOf(request),
          source: body.source,
          type: body.type,
          dedupeKey: body.dedupeKey ?? request.headers['idempotency-key'],
          occurredAt: body.occurredAt === undefined ? undefined : new Date(body.occurredAt),
          subject: body.subject,
          data: checked.data,
          invalidPhone: 'refuse',
        })
        .catch((error: unknown) => {
          if (error instanceof InvalidSubjectError) throw new HttpProblem(400, 'validation-failed', error.message, { errors: error.issues.map((issue) => ({ ...issue, path: `body.${issue.path}` })) });
          throw error;
        });
      return result.duplicate ? reply.code(200).send({ id: result.id, duplicate: true }) : reply.code(201).send({ id: result.id, duplicate: false });
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'List events, newest first',
        querystring: PageQuerySchema.extend({
          type: z.string().optional(),
          source: z.string().optional(),
          since: z.iso.datetime({ offset: true }).optional(),
          until: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 200: z.object({ items: z.array(PublicEventSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const query = request.query;
      const events = await listEvents(db, {
        tenantId: tenantOf(request),
        type: query.type,
        source: query.source,
        since: query.since === undefined ? undefined : new Date(query.since),
        until: query.until === undefined ? undefined : new Date(query.until),
        beforeSeq: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = events.slice(0, query.limit);
      return { items: page.map(toPublicEvent), nextCursor: events.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/events/:id',
    {
      schema: {
        tags: ['events'],
        summary: 'One event with its deliveries and their attempts',
        params: z.object({ id: z.string() }),
        response: { 200: PublicEventSchema.extend({ deliveries: z.array(DeliverySchema) }), 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const event = await findEvent(db, request.params.id, tenantId);
      if (!event) throw notFound('event', request.params.id);
      return { ...toPublicEvent(event), deliveries: await deliveriesOf(db, tenantId, event.id) };
    },
  );

  app.post(
    '/events/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        tags: ['events'],
        summary: "Try one of an event's failed deliveries again (a webhook, a Zapier hook, a scenario)",
        description:
          'The delivery goes back to pending and is attempted within seconds; its new attempts follow the old ones. Only a failed delivery can be redelivered (409 otherwise).',
        params: z.object({ id: z.string(), deliveryId: z.string().min(1).max(64) }),
        response: { 202: DeliverySchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { id, deliveryId } = request.params;
      const find = async () => (await deliveriesOf(db, tenantId, id)).find((delivery) => delivery.id === deliveryId);
      const delivery = await find();
      if (!delivery) throw notFound('delivery of this event', deliveryId);
      if (!(await bus.redeliverFailed(tenantId, deliveryId))) {
        throw new HttpProblem(409, 'conflict', `Only failed deliveries can be redelivered; this one is ${delivery.status}.`);
      }
      return reply.code(202).send((await find())!);
    },
  );

  app.get(
    '/event-types',
    {
      schema: {
        tags: ['events'],
        summary: 'The event catalog: every type with its data schema and an example (the core\'s, then those connectors contribute)',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                type: z.string(),
                title: z.string(),
                description: z.string(),
                contributedBy: z.string().describe('"core", or the id of the connector that adds this type.'),
                dataSchema: z.unknown(),
                example: z.unknown(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: eventCatalog.map((entry) => ({
        type: entry.type,
        title: entry.title,
        description: entry.description,
        contributedBy: eventTypeContributor(entry.type) ?? 'core',
        dataSchema: z.toJSONSchema(entry.data, { io: 'input', unrepresentable: 'any' }),
        example: entry.example,
      })),
    }),
  );
};

/** The bus's routes (/v1/events, /v1/event-types) as the hub registers them. */
export const busRouteModules = (db: Db, bus: EventBus): RouteModule[] => [
  {
    scope: 'v1',
    register: async (app) => {
      await app.register(busRoutes, { db, bus });
      await app.register(eventStreamRoutes, { db, bus });
    },
  },
];
