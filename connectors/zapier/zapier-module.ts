/**
 * Zapier as the hub wires it: REST hooks are webhook_subscriptions of kind `zapier` delivered by the
 * bus (with the hooks' filters, and a 410 deleting the subscription: Zapier's rule), and the /v1/zapier
 * routes its app calls. Registered like any connector: the hub spreads `routes`.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../../src/bus/event-bus.ts';
import type { ContactsModule } from '../../src/contacts/contacts-module.ts';
import type { RouteModule } from '../../src/gateway/app.ts';
import type { SendingModule } from '../../src/sending/sending-module.ts';
import type { Db } from '../../src/store/db.ts';
import type { Vault } from '../../src/vault/vault.ts';
import { WebhookSource } from '../../src/webhooks/webhook-source.ts';
import { ZapierHookSource } from './hook-source.ts';
import { zapierRoutes } from './routes.ts';

export interface ZapierModuleOptions {
  db: Db;
  vault: Vault;
  bus: EventBus;
  contacts: ContactsModule;
  sending: Pick<SendingModule, 'settings'>;
  log: Logger;
  /** `connector-hub/<version>`. */
  userAgent: string;
  allowPrivateTargets: boolean;
}

export interface ZapierModule {
  /** The WebhookSource of kind `zapier` (tests tune it as they tune tenant webhooks). */
  readonly source: WebhookSource;
  readonly routes: RouteModule[];
}

export function createZapierModule({ db, vault, bus, contacts, sending, log, userAgent, allowPrivateTargets }: ZapierModuleOptions): ZapierModule {
  const source = new WebhookSource({ db, vault, log, userAgent, allowPrivateTargets, kind: 'zapier', onGone: 'delete' });
  bus.addSource(new ZapierHookSource(source, db));
  return {
    source,
    routes: [{ scope: 'v1', register: async (app) => void (await app.register(zapierRoutes, { db, vault, source, contacts, settings: sending.settings, allowPrivateTargets })) }],
  };
}
