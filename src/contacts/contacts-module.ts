import type { Logger } from 'pino';
import type { Db } from '../store/db.ts';
import { ContactService, type EventPublisher } from './contacts.ts';
import { ContactLists } from './lists.ts';
import { OptOutList } from './opt-outs.ts';

/** The contacts part as the rest of the hub uses it. */
export interface ContactsModule {
  contacts: ContactService;
  optOuts: OptOutList;
  lists: ContactLists;
}

export function createContactsModule(db: Db, publisher: EventPublisher, options: { log?: Logger } = {}): ContactsModule {
  return {
    contacts: new ContactService(db, publisher, options),
    optOuts: new OptOutList(db, publisher, options),
    lists: new ContactLists(db),
  };
}
