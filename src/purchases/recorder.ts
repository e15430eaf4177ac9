/**
 * Records order events into the ledger: a subscriber source of the bus (so every order event is
 * recorded at least once, retried when the store fails), whose work is grouped: the deliveries running
 * at once are resolved to their contacts with one lookup and written with one multi-row statement
 * (src/store/group-commit.ts), instead of a contact upsert and an insert each. A subject that matches
 * no contact yet goes through the contacts part's `resolveSubject`, which creates it.
 * The source kept the name it had when segments recorded purchases, so deliveries pending across an
 * upgrade still find it.
 */
import type { Logger } from 'pino';
import type { DeliveryOutcome, RetryPolicy, SubscriberSource } from '../bus/subscribers.ts';
import type { TriggerEvent } from '../bus/trigger-event.ts';
import type { ContactService } from '../contacts/contacts.ts';
import { knownContactIds } from '../contacts/subject-lookup.ts';
import type { Db } from '../store/db.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { ledgerLine, ORDER_EVENT_TYPES, type LedgerLine } from './ledger.ts';
import { writeLines } from './ledger-store.ts';

export class PurchaseRecorder implements SubscriberSource {
  readonly kind = 'segment-purchases';
  readonly retry: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 };
  readonly #db: Db;
  readonly #contacts: Pick<ContactService, 'resolveSubject'>;
  readonly #log: Logger;
  readonly #batches: GroupCommit<TriggerEvent, DeliveryOutcome>;

  constructor(options: { db: Db; contacts: Pick<ContactService, 'resolveSubject'>; log: Logger; maxBatch?: number }) {
    this.#db = options.db;
    this.#contacts = options.contacts;
    this.#log = options.log;
    // A batch is safe to repeat: contacts are upserts, the ledger write is one upserting statement.
    this.#batches = new GroupCommit((events) => this.#record(events), options.maxBatch ?? 500);
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    return (ORDER_EVENT_TYPES as readonly string[]).includes(event.type) ? ['orders'] : [];
  }

  deliver(_target: string, event: TriggerEvent): Promise<DeliveryOutcome> {
    return this.#batches.push(event);
  }

  async #record(events: TriggerEvent[]): Promise<DeliveryOutcome[]> {
    const known = await knownContactIds(this.#db, events);
    const lines: LedgerLine[] = [];
    const outcomes: DeliveryOutcome[] = [];
    for (const [index, event] of events.entries()) {
      const contact = known[index] ?? (await this.#contacts.resolveSubject(event.tenantId, event.subject, event.source));
      if (contact === undefined) {
        outcomes.push({ kind: 'delivered' });
        continue;
      }
      const made = ledgerLine(event, contact);
      if ('error' in made) {
        this.#log.warn({ eventId: event.id }, made.error);
        outcomes.push({ kind: 'give-up', error: made.error });
        continue;
      }
      lines.push(made.line);
      outcomes.push({ kind: 'delivered' });
    }
    await writeLines(this.#db, lines);
    return outcomes;
  }
}
