/**
 * /v1/zapier: what the Zapier app (plugins/zapier) calls besides the general API. REST hooks
 * (subscribe, unsubscribe) are `webhook_subscriptions` rows of kind `zapier`, delivered by their own
 * WebhookSource (410 deletes the row, as Zapier's REST hook rules ask); samples and dropdowns feed
 * the Zap editor.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CUSTOM_EVENT_TYPE, eventCatalog, findEventType } from '../../src/bus/catalog/index.ts';
import { listEvents } from '../../src/bus/event-store.ts';
import { PublicEventSchema, toPublicEvent } from '../../src/bus/trigger-event.ts';
import type { ContactsModule } from '../../src/contacts/contacts-module.ts';
import { tenantOf } from '../../src/gateway/auth.ts';
import { HttpProblem, notFound, ProblemSchema } from '../../src/gateway/problem.ts';
import type { SendingSettingsStore } from '../../src/sending/settings.ts';
import type { Db } from '../../src/store/db.ts';
import type { Vault } from '../../src/vault/vault.ts';
import { DeliveryLogQuerySchema, DeliveryLogSchema, deliveryLogPage } from '../../src/webhooks/routes/deliveries.ts';
import { countSubscriptions, createSubscription, deleteSubscription, getSubscription, listSubscriptions } from '../../src/webhooks/subscription-store.ts';
import { checkTargetUrl, parseTargetUrl } from '../../src/net/outbound-guard.ts';
import type { WebhookSource } from '../../src/webhooks/webhook-source.ts';
import { HookFiltersSchema } from './filters.ts';
import { saveFilters } from './hook-source.ts';
import { catalogSample, newestFirst, SAMPLE_COUNT } from './samples.ts';
import { eventTypesOf, ZapierTriggerSchema } from './triggers.ts';

/** Each active Zap with an instant trigger holds one subscription; a bound on the POSTs one tenant causes per event. */
const MAX_HOOKS_PER_TENANT = 500;

const EventTypeSchema = z
  .string()
  .min(1)
  .max(100)
  .superRefine((value, context) => {
    if (value !== '*' && findEventType(value) === undefined && !CUSTOM_EVENT_TYPE.test(value)) {
      context.addIssue({ code: 'custom', message: `unknown event type "${value}": use a catalog type (GET /v1/event-types), "custom.<name>", or "*"` });
    }
  });

const HookBodySchema = z
  .object({
    target_url: z
      .string()
      .trim()
      .min(1)
      .max(2048)
      .superRefine((value, context) => {
        const parsed = parseTargetUrl(value);
        if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.message });
      })
      .describe('Zapier\'s bundle.targetUrl.'),
    event_types: z.array(EventTypeSchema).min(1).max(20).describe('The event types the Zap\'s trigger listens to.'),
    zap_id: z.string().max(100).optional().describe('Kept in the subscription\'s description, to find a Zap\'s hook.'),
    filters: HookFiltersSchema.optional().describe('Deliver only the events that match: their source, and data fields with these values.'),
  })
  .strict();

const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });
const DropdownItemSchema = z.object({ id: z.string(), name: z.string() });

export interface ZapierRoutesOptions {
  db: Db;
  vault: Vault;
  source: WebhookSource;
  contacts: ContactsModule;
  settings: SendingSettingsStore;
  allowPrivateTargets: boolean;
}

export const zapierRoutes: FastifyPluginAsyncZod<ZapierRoutesOptions> = async (app, { db, vault, source, contacts, settings, allowPrivateTargets }) => {
  const kind = source.kind;

  app.post(
    '/zapier/hooks',
    {
      schema: {
        tags: ['zapier'],
        summary: 'Subscribe a Zapier REST hook',
        description: 'performSubscribe of an instant trigger. Every event of the types is POSTed to target_url (the public event shape); a 410 answer deletes the subscription.',
        body: HookBodySchema,
        response: { 201: z.object({ id: z.string() }), 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const body = request.body;
      const checked = await checkTargetUrl(body.target_url, { allowPrivateTargets });
      if (!checked.ok) throw new HttpProblem(400, 'validation-failed', checked.message, { errors: [{ path: 'body.target_url', message: checked.message }] });
      if ((await countSubscriptions(db, tenantId, kind)) >= MAX_HOOKS_PER_TENANT) {
        throw new HttpProblem(422, 'unprocessable', `This account has ${MAX_HOOKS_PER_TENANT} Zapier hooks already: turn off unused Zaps first.`);
      }
      const id = await db.transaction(async (tx) => {
        const { subscription } = await createSubscription(tx, vault, {
          tenantId,
          kind,
          url: body.target_url,
          eventTypes: [...new Set(body.event_types)],
          description: body.zap_id === undefined ? 'Zapier' : `Zapier zap ${body.zap_id}`,
          enabled: true,
        });
        if (body.filters !== undefined && (body.filters.source !== undefined || Object.keys(body.filters.data ?? {}).length > 0)) {
          await saveFilters(tx, tenantId, subscription.id, body.filters);
        }
        return subscription.id;
      });
      return reply.code(201).send({ id });
    },
  );

  app.get(
    '/zapier/hooks',
    {
      schema: {
        tags: ['zapier'],
        summary: 'The account\'s Zapier REST hooks, newest first',
        description: 'A hook that answered 410 Gone is deleted and no longer listed.',
        response: { 200: z.array(z.object({ id: z.string(), target_url: z.string(), event_types: z.array(z.string()), created_at: z.string() })) },
      },
    },
    async (request) => {
      const hooks = await listSubscriptions(db, { tenantId: tenantOf(request), kind, limit: MAX_HOOKS_PER_TENANT });
      return hooks.map((hook) => ({ id: hook.id, target_url: hook.url, event_types: hook.eventTypes, created_at: hook.createdAt.toISOString() }));
    },
  );

  app.get(
    '/zapier/hooks/:id/deliveries',
    {
      schema: {
        tags: ['zapier'],
        summary: 'The delivery log of a Zapier hook, newest first, with every attempt',
        description: 'A failed delivery is tried again with POST /v1/events/{eventId}/deliveries/{id}/redeliver.',
        params: IdParamsSchema,
        querystring: DeliveryLogQuerySchema,
        response: { 200: DeliveryLogSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const hook = await getSubscription(db, tenantId, kind, request.params.id);
      if (!hook) throw notFound('Zapier hook', request.params.id);
      return deliveryLogPage(db, tenantId, `${kind}:${hook.id}`, request.query);
    },
  );

  app.delete(
    '/zapier/hooks/:id',
    {
      schema: {
        tags: ['zapier'],
        summary: 'Unsubscribe a Zapier REST hook',
        params: IdParamsSchema,
        response: { 204: z.null().describe('Deleted.'), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      if (!(await deleteSubscription(db, tenantOf(request), kind, request.params.id))) throw notFound('Zapier hook', request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/zapier/samples/:trigger',
    {
      schema: {
        tags: ['zapier'],
        summary: 'Recent events of a trigger (performList)',
        description: `The ${SAMPLE_COUNT} newest events of the trigger's types, newest first, in the shape deliveries have; the catalog example when there are none yet.`,
        params: z.object({ trigger: ZapierTriggerSchema }),
        querystring: z.object({ event_type: EventTypeSchema.optional().describe('new-event: the chosen type.') }),
        response: { 200: z.array(PublicEventSchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const types = eventTypesOf(request.params.trigger, request.query.event_type);
      if (types.length === 0) throw new HttpProblem(400, 'validation-failed', 'new-event needs event_type.', { errors: [{ path: 'querystring.event_type', message: 'required' }] });
      const lists = await Promise.all(types.map((type) => listEvents(db, { tenantId, type: type === '*' ? undefined : type, limit: SAMPLE_COUNT })));
      const events = newestFirst(lists, SAMPLE_COUNT).map(toPublicEvent);
      return events.length > 0 ? events : types.filter((type) => type !== '*').map(catalogSample);
    },
  );

  app.get(
    '/zapier/dropdowns/:name',
    {
      schema: {
        tags: ['zapier'],
        summary: 'Choices of a dynamic dropdown',
        params: z.object({ name: z.enum(['lists', 'event-types', 'senders']) }),
        response: { 200: z.array(DropdownItemSchema) },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      switch (request.params.name) {
        case 'lists':
          return (await contacts.lists.list(tenantId, { limit: 200 })).map((list) => ({ id: list.id, name: list.name }));
        case 'event-types':
          return eventCatalog.map((entry) => ({ id: entry.type, name: `${entry.title} (${entry.type})` }));
        case 'senders': {
          const { defaultSender } = await settings.get(tenantId);
          const senders = [];
          if (defaultSender.sms !== undefined) senders.push({ id: defaultSender.sms, name: `SMS: ${defaultSender.sms}` });
          if (defaultSender.email !== undefined) senders.push({ id: defaultSender.email.email, name: `Email: ${defaultSender.email.name ?? defaultSender.email.email}` });
          return senders;
        }
      }
    },
  );
};
