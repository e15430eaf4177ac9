import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CUSTOM_EVENT_TYPE, findEventType } from '../bus/catalog/index.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import { decodeDeliveryCursor, encodeDeliveryCursor, getDelivery, listDeliveries, type LoggedDelivery } from './delivery-log.ts';
import {
  countSubscriptions,
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  rotateSecret,
  updateSubscription,
  type Subscription,
} from './subscription-store.ts';
import { checkTargetUrl, parseTargetUrl } from '../net/outbound-guard.ts';
import type { WebhookSource } from './webhook-source.ts';

/** Each subscription is one more POST per event: a bound on what one tenant can make the hub send. */
const MAX_SUBSCRIPTIONS_PER_TENANT = 100;
const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;

const TargetUrlSchema = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .superRefine((value, context) => {
    const parsed = parseTargetUrl(value);
    if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.message });
  })
  .describe('Where events are POSTed: an https:// (or http://) URL on a public host.');

const EventTypeFilterSchema = z
  .string()
  .min(1)
  .max(100)
  .superRefine((value, context) => {
    if (value !== '*' && findEventType(value) === undefined && !CUSTOM_EVENT_TYPE.test(value)) {
      context.addIssue({ code: 'custom', message: `unknown event type "${value}": use a catalog type (GET /v1/event-types), "custom.<name>", or "*" for every event` });
    }
  });

const EventTypesSchema = z.array(EventTypeFilterSchema).min(1).max(50).describe('Event types to receive: catalog types, "custom.<name>" types, or "*" for all.');

const DescriptionSchema = z.string().trim().max(500).nullable();

const CreateBodySchema = z
  .object({
    url: TargetUrlSchema,
    eventTypes: EventTypesSchema,
    description: DescriptionSchema.optional(),
    enabled: z.boolean().default(true),
  })
  .strict();

const PatchBodySchema = z
  .object({
    url: TargetUrlSchema.optional(),
    eventTypes: EventTypesSchema.optional(),
    description: DescriptionSchema.optional(),
    enabled: z.boolean().optional().describe('true re-enables a disabled subscription and clears its failure streak.'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'send at least one of url, eventTypes, description, enabled' });

const RotateBodySchema = z
  .object({
    previousSecretValidForSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(DEFAULT_ROTATION_GRACE_SECONDS)
      .describe('How long the old secret keeps signing next to the new one (a second v1= in Hub-Signature); 0 stops it now.'),
  })
  .strict();

const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe('Why it was disabled: by the API, a 410 Gone from the target, or repeated failed deliveries.'),
    disabledAt: z.string().nullable(),
    failedDeliveriesInARow: z.number().int(),
    failingSince: z.string().nullable().describe('First failed attempt since the last success.'),
    previousSecretExpiresAt: z.string().nullable().describe('Set during a secret rotation: until then deliveries carry two signatures.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' });

const WebhookDeliverySchema = z
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
        outcome: z.enum(['delivered', 'retry', 'gave_up']),
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

const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });
const iso = (date: Date | null) => date?.toISOString() ?? null;

function toWebhook(subscription: Subscription): z.infer<typeof WebhookSchema> {
  const rotating = subscription.previousSecretExpiresAt !== null && subscription.previousSecretExpiresAt > new Date();
  return {
    id: subscription.id,
    url: subscription.url,
    eventTypes: subscription.eventTypes,
    description: subscription.description,
    enabled: subscription.enabled,
    disabledReason: subscription.disabledReason,
    disabledAt: iso(subscription.disabledAt),
    failedDeliveriesInARow: subscription.consecutiveFailures,
    failingSince: iso(subscription.failingSince),
    previousSecretExpiresAt: rotating ? iso(subscription.previousSecretExpiresAt) : null,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}

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

const unique = (values: string[]) => [...new Set(values)];

export interface WebhookRoutesOptions {
  db: Db;
  vault: Vault;
  bus: EventBus;
  source: WebhookSource;
  allowPrivateTargets: boolean;
}

/** /v1/webhooks: tenant webhook subscriptions, their test ping, their delivery log and redelivery. */
export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, { db, vault, bus, source, allowPrivateTargets }) => {
  const kind = source.kind;

  /** The DNS half of the SSRF guard (the syntax half is in the schema), with the field path of the URL. */
  const assertPublicTarget = async (url: string) => {
    const checked = await checkTargetUrl(url, { allowPrivateTargets });
    if (!checked.ok) throw new HttpProblem(400, 'validation-failed', checked.message, { errors: [{ path: 'body.url', message: checked.message }] });
  };

  const subscriptionOf = async (tenantId: string, id: string) => {
    const subscription = await getSubscription(db, tenantId, kind, id);
    if (!subscription) throw notFound('webhook', id);
    return subscription;
  };

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events',
        description: 'Returns the signing secret once; store it to verify the Hub-Signature header of deliveries.',
        body: CreateBodySchema,
        response: { 201: WebhookSchema.extend({ secret: z.string().describe('Shown only in this answer (and by rotate-secret).') }), 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const body = request.body;
      await assertPublicTarget(body.url);
      if ((await countSubscriptions(db, tenantId, kind)) >= MAX_SUBSCRIPTIONS_PER_TENANT) {
        throw new HttpProblem(422, 'unprocessable', `A tenant has at most ${MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions; delete unused ones or subscribe one URL to several event types.`);
      }
      const { subscription, secret } = await createSubscription(db, vault, {
        tenantId,
        kind,
        url: body.url,
        eventTypes: unique(body.eventTypes),
        description: body.description ?? null,
        enabled: body.enabled,
      });
      return reply.code(201).send({ ...toWebhook(subscription), secret });
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'List webhook subscriptions, newest first',
        querystring: PageQuerySchema,
        response: { 200: z.object({ items: z.array(WebhookSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const rows = await listSubscriptions(db, { tenantId: tenantOf(request), kind, beforeSeq: decodeCursor(cursor), limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(toWebhook), nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/webhooks/:id',
    { schema: { tags: ['webhooks'], summary: 'One webhook subscription', params: IdParamsSchema, response: { 200: WebhookSchema, 404: ProblemSchema } } },
    async (request) => toWebhook(await subscriptionOf(tenantOf(request), request.params.id)),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change the URL, the event types, the description, or enable/disable',
        params: IdParamsSchema,
        body: PatchBodySchema,
        response: { 200: WebhookSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const body = request.body;
      await subscriptionOf(tenantId, request.params.id);
      if (body.url !== undefined) await assertPublicTarget(body.url);
      const updated = await updateSubscription(db, tenantId, kind, request.params.id, {
        url: body.url,
        eventTypes: body.eventTypes && unique(body.eventTypes),
        description: body.description,
        enabled: body.enabled,
      });
      if (!updated) throw notFound('webhook', request.params.id);
      return toWebhook(updated);
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook subscription',
        description: 'Its pending deliveries stop at their next attempt; the delivery log stays in GET /v1/events/{id}.',
        params: IdParamsSchema,
        response: { 204: z.null(), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      if (!(await deleteSubscription(db, tenantOf(request), kind, request.params.id))) throw notFound('webhook', request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret',
        description: 'The new secret is shown once. The old one keeps signing next to it for previousSecretValidForSeconds (default 24 h).',
        params: IdParamsSchema,
        body: RotateBodySchema.nullish(),
        response: { 200: z.object({ id: z.string(), secret: z.string(), previousSecretExpiresAt: z.string().nullable() }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const grace = request.body?.previousSecretValidForSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
      const rotated = await rotateSecret(db, vault, { tenantId, kind, id: request.params.id }, grace);
      if (!rotated) throw notFound('webhook', request.params.id);
      return { id: rotated.subscription.id, secret: rotated.secret, previousSecretExpiresAt: iso(rotated.subscription.previousSecretExpiresAt) };
    },
  );

  app.post(
    '/webhooks/:id/test',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a webhook.test ping now and report the answer',
        description: 'Works on disabled subscriptions too (to check a target before enabling it); it is not retried, logged, nor counted in the failure streak.',
        params: IdParamsSchema,
        response: {
          200: z.object({ delivered: z.boolean(), statusCode: z.number().int().nullable(), durationMs: z.number().int(), error: z.string().nullable() }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => source.sendTest(await subscriptionOf(tenantOf(request), request.params.id)),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of a subscription, newest first, with every attempt',
        params: IdParamsSchema,
        querystring: PageQuerySchema.extend({
          cursor: z.string().max(128).optional().describe('The nextCursor of the previous page.'),
          status: z.enum(['pending', 'succeeded', 'failed']).optional(),
        }),
        response: { 200: z.object({ items: z.array(WebhookDeliverySchema), nextCursor: z.string().nullable() }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const { cursor, limit, status } = request.query;
      const after = decodeDeliveryCursor(cursor);
      const subscription = await subscriptionOf(tenantId, request.params.id);
      const rows = await listDeliveries(db, { tenantId, subscriber: `${kind}:${subscription.id}`, status, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(toWebhookDelivery), nextCursor: rows.length > limit ? encodeDeliveryCursor(page.at(-1)!) : null };
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
      const subscription = await subscriptionOf(tenantId, id);
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
