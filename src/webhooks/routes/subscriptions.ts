/** /v1/webhooks: tenant webhook subscriptions (create, list, change, delete), secret rotation and the test ping. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CUSTOM_EVENT_TYPE, findEventType } from '../../bus/catalog/index.ts';
import { tenantOf } from '../../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../../gateway/pagination.ts';
import { notFound, ProblemSchema } from '../../gateway/problem.ts';
import { parseTargetUrl } from '../../net/outbound-guard.ts';
import type { Db } from '../../store/db.ts';
import type { Vault } from '../../vault/vault.ts';
import type { SubscriptionService } from '../subscription-service.ts';
import { deleteSubscription, listSubscriptions, rotateSecret, updateSubscription, type Subscription } from '../subscription-store.ts';
import type { WebhookSource } from '../webhook-source.ts';
import { IdParamsSchema, iso } from './common.ts';

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

export const WebhookSchema = z
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

export function toWebhook(subscription: Subscription): z.infer<typeof WebhookSchema> {
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

const unique = (values: string[]) => [...new Set(values)];

export interface SubscriptionRoutesOptions {
  db: Db;
  vault: Vault;
  source: WebhookSource;
  subscriptions: SubscriptionService;
}

export const subscriptionRoutes: FastifyPluginAsyncZod<SubscriptionRoutesOptions> = async (app, { db, vault, source, subscriptions }) => {
  const kind = subscriptions.kind;

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
      const body = request.body;
      const { subscription, secret } = await subscriptions.create(tenantOf(request), {
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
    async (request) => toWebhook(await subscriptions.subscriptionOf(tenantOf(request), request.params.id)),
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
      await subscriptions.subscriptionOf(tenantId, request.params.id);
      if (body.url !== undefined) await subscriptions.assertPublicTarget(body.url);
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
    async (request) => source.sendTest(await subscriptions.subscriptionOf(tenantOf(request), request.params.id)),
  );
};
