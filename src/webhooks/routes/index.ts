/** /v1/webhooks, one file per resource: the subscriptions, and their delivery log. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EventBus } from '../../bus/event-bus.ts';
import type { Db } from '../../store/db.ts';
import type { Vault } from '../../vault/vault.ts';
import { subscriptionService } from '../subscription-service.ts';
import type { WebhookSource } from '../webhook-source.ts';
import { deliveryRoutes } from './deliveries.ts';
import { subscriptionRoutes } from './subscriptions.ts';

export interface WebhookRoutesOptions {
  db: Db;
  vault: Vault;
  bus: EventBus;
  source: WebhookSource;
  allowPrivateTargets: boolean;
}

export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, { db, vault, bus, source, allowPrivateTargets }) => {
  const subscriptions = subscriptionService({ db, vault, kind: source.kind, allowPrivateTargets });
  await app.register(subscriptionRoutes, { db, vault, source, subscriptions });
  await app.register(deliveryRoutes, { db, bus, subscriptions });
};
