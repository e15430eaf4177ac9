/**
 * The purchases part as the hub wires it: the ledger of orders and credit notes, recorded from the
 * bus's order events, read by segments through src/purchases/read-model.ts.
 *
 *   const purchases = createPurchasesModule({ db: store, bus, contacts, log });
 */
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.ts';
import type { ContactsModule } from '../contacts/contacts-module.ts';
import type { RouteModule } from '../gateway/app.ts';
import type { Db } from '../store/db.ts';
import { PurchaseRecorder } from './recorder.ts';
import { purchaseRoutes } from './routes.ts';

export interface PurchasesModule {
  readonly recorder: PurchaseRecorder;
  readonly routes: RouteModule[];
}

export function createPurchasesModule(options: { db: Db; bus: Pick<EventBus, 'addSource'>; contacts: ContactsModule; log: Logger }): PurchasesModule {
  const recorder = new PurchaseRecorder({ db: options.db, contacts: options.contacts.contacts, log: options.log });
  options.bus.addSource(recorder);
  return {
    recorder,
    routes: [{ scope: 'v1', register: async (app) => void (await app.register(purchaseRoutes, { db: options.db, contacts: options.contacts.contacts })) }],
  };
}
