/**
 * The webhooks part as the hub wires it: tenant webhook subscriptions delivered by the bus (the
 * `webhook` subscriber source) and their /v1/webhooks routes.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.ts';
import type { RouteModule } from '../gateway/app.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import { webhookRoutes } from './routes/index.ts';
import { WebhookSource } from './webhook-source.ts';

export interface WebhooksModuleOptions {
  db: Db;
  vault: Vault;
  bus: EventBus;
  log: Logger;
  /** `connector-hub/<version>`. */
  userAgent: string;
  allowPrivateTargets: boolean;
}

export interface WebhooksModule {
  /** The bus's `webhook` subscriber source (tests shorten its backoff and timeout with `tune`). */
  readonly source: WebhookSource;
  readonly routes: RouteModule[];
}

export function createWebhooksModule({ db, vault, bus, log, userAgent, allowPrivateTargets }: WebhooksModuleOptions): WebhooksModule {
  const source = new WebhookSource({ db, vault, log, userAgent, allowPrivateTargets });
  bus.addSource(source);
  return {
    source,
    routes: [{ scope: 'v1', register: async (app) => void (await app.register(webhookRoutes, { db, vault, bus, source, allowPrivateTargets })) }],
  };
}
