/** /v1/webhooks/{id}/deliveries: a subscription's delivery log (kept by the bus) and redelivery of a failed delivery. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getDelivery, listDeliveries, encodeDeliveryCursor, parseDeliveryCursor, type LoggedDelivery } from '../../bus/delivery-log.ts';
import type { EventBus } from '../../bus/event-bus.ts';
import { tenantOf } from '../../gateway/auth.ts';
import { PageQuerySchema } from '../../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../../gateway/problem.ts';
import type { Db } from '../../store/db.ts';
import type { SubscriptionService } from '../subscription-service.ts';
import { IdParamsSchema, iso } from './common.ts';

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        startedAt: z.string(),
        durationMs: z.number(),
        outcome: z.enum(['in_flight', 'interrupted', 'delivered', 'retry', 'gave_up']),
        statusCode: z.number().int().nullable(),
        error: z.string().nullable().describe('What went wrong, with at most a 200-character excerpt of the response body.'),
      }),
    ),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

function toWebhookDelivery(delivery: LoggedDelivery): z.infer<typeof WebhookDeliverySchema> {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts.map((attempt) => ({ ...attempt, startedAt: attempt.startedAt.toISOString() })),
    lastError: delivery.lastError,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}

function decodeDeliveryCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const position = parseDeliveryCursor(cursor);
  if (!position) {
    throw new HttpProblem(400, 'validation-failed', 'The cursor is not one this API returned; pass nextCursor unchanged.', {
      errors: [{ path: 'querystring.cursor', message: 'invalid cursor' }],
    });
  }
  return position;
}

/** The query of a delivery log: a page, newest first, optionally only one status. */
export const DeliveryLogQuerySchema = PageQuerySchema.extend({
  cursor: z.string().max(128).optional().describe('The nextCursor of the previous page.'),
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
});

export const DeliveryLogSchema = z.object({ items: z.array(WebhookDeliverySchema), nextCursor: z.string().nullable() });

/** One page of a subscriber's delivery log ("webhook:wh_…", "zapier:wh_…"), as the API answers it. */
export async function deliveryLogPage(db: Db, tenantId: string, subscriber: string, query: z.infer<typeof DeliveryLogQuerySchema>): Promise<z.infer<typeof DeliveryLogSchema>> {
  const rows = await listDeliveries(db, { tenantId, subscriber, status: query.status, after: decodeDeliveryCursor(query.cursor), limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { items: page.map(toWebhookDelivery), nextCursor: rows.length > query.limit ? encodeDeliveryCursor(page.at(-1)!) : null };
}

export interface DeliveryRoutesOptions {
  db: Db;
  bus: EventBus;
  subscriptions: SubscriptionService;
}

export const deliveryRoutes: FastifyPluginAsyncZod<DeliveryRoutesOptions> = async (app, { db, bus, subscriptions }) => {
  const kind = subscriptions.kind;

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of a subscription, newest first, with every attempt',
        params: IdParamsSchema,
        querystring: DeliveryLogQuerySchema,
        response: { 200: DeliveryLogSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const subscription = await subscriptions.subscriptionOf(tenantId, request.params.id);
      return deliveryLogPage(db, tenantId, `${kind}:${subscription.id}`, request.query);
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Try a failed delivery again',
        description:
          'The same delivery goes back to pending and is attempted within seconds; its new attempts are added after the old ones. When its retries were used up, it gets one attempt.',
        params: IdParamsSchema.extend({ deliveryId: z.string().min(1).max(64) }),
        response: { 202: WebhookDeliverySchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { id, deliveryId } = request.params;
      const subscription = await subscriptions.subscriptionOf(tenantId, id);
      const subscriber = `${kind}:${subscription.id}`;
      const delivery = await getDelivery(db, tenantId, subscriber, deliveryId);
      if (!delivery) throw notFound('delivery of this webhook', deliveryId);
      if (!subscription.enabled) {
        throw new HttpProblem(409, 'conflict', 'This webhook is disabled, so the delivery would give up at once; enable it first (PATCH {"enabled": true}).');
      }
      if (!(await bus.redeliverFailed(tenantId, deliveryId))) {
        throw new HttpProblem(409, 'conflict', `Only failed deliveries can be redelivered; this one is ${delivery.status}.`);
      }
      return reply.code(202).send(toWebhookDelivery((await getDelivery(db, tenantId, subscriber, deliveryId))!));
    },
  );
};
