import type { Logger } from 'pino';
import type { RouteModule } from '../gateway/app.ts';
import type { Db } from '../store/db.ts';
import { ContactService, type EventPublisher } from './contacts.ts';
import { ContactLists } from './lists.ts';
import { OptOutList } from './opt-outs.ts';
import { contactsRoutes } from './routes.ts';

/** The contacts part as the rest of the hub uses it. */
export interface ContactsModule {
  contacts: ContactService;
  optOuts: OptOutList;
  lists: ContactLists;
  /** /v1/contacts, /v1/opt-outs and /v1/lists, for the gateway. */
  readonly routes: RouteModule[];
}

export function createContactsModule(db: Db, publisher: EventPublisher, options: { log?: Logger } = {}): ContactsModule {
  const module: ContactsModule = {
    contacts: new ContactService(db, publisher, options),
    optOuts: new OptOutList(db, publisher, options),
    lists: new ContactLists(db),
    routes: [{ scope: 'v1', register: async (app) => void (await app.register(contactsRoutes, { db, module })) }],
  };
  return module;
}
