/**
 * What segments select on besides purchases: clicked links (`link.clicked`, published by the sending
 * core's tracked links) and abandoned carts (`cart.abandoned`, from the shop connectors), one row per
 * event with its contact and date, so a segment reads them with one index probe per contact (the bus's
 * events are not indexed by contact). Recorded as a subscriber source of the bus, the deliveries running
 * at once sharing one contact lookup and one insert.
 */
import type { Logger } from 'pino';
import type { DeliveryOutcome, RetryPolicy, SubscriberSource } from '../../bus/subscribers.ts';
import type { TriggerEvent } from '../../bus/trigger-event.ts';
import type { ContactService } from '../../contacts/contacts.ts';
import { knownContactIds } from '../../contacts/subject-lookup.ts';
import type { Db } from '../../store/db.ts';
import { GroupCommit } from '../../store/group-commit.ts';

export const ACTIVITY_TYPES = ['link.clicked', 'cart.abandoned'] as const;

/** The table, for segment-sql.ts: tenant_id, contact_id, type (an ACTIVITY_TYPES), at. */
export const ACTIVITY_SQL = 'segment_activity';

export class SegmentActivity implements SubscriberSource {
  readonly kind = 'segment-activity';
  readonly retry: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 };
  readonly #db: Db;
  readonly #contacts: Pick<ContactService, 'resolveSubject'>;
  readonly #batches: GroupCommit<TriggerEvent, DeliveryOutcome>;

  constructor(options: { db: Db; contacts: Pick<ContactService, 'resolveSubject'>; log: Logger }) {
    this.#db = options.db;
    this.#contacts = options.contacts;
    // Safe to repeat: contacts are upserts, the insert ignores rows already there.
    this.#batches = new GroupCommit((events) => this.#record(events), 500);
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    return (ACTIVITY_TYPES as readonly string[]).includes(event.type) ? ['activity'] : [];
  }

  deliver(_target: string, event: TriggerEvent): Promise<DeliveryOutcome> {
    return this.#batches.push(event);
  }

  async #record(events: TriggerEvent[]): Promise<DeliveryOutcome[]> {
    const known = await knownContactIds(this.#db, events);
    const rows: { tenant_id: string; event_id: string; contact_id: string; type: string; at: string }[] = [];
    for (const [index, event] of events.entries()) {
      const contactId = known[index] ?? (await this.#contacts.resolveSubject(event.tenantId, event.subject, event.source));
      // A date after the event reached the hub is read as its arrival, as the purchase ledger does.
      const at = event.occurredAt.getTime() > event.receivedAt.getTime() ? event.receivedAt : event.occurredAt;
      if (contactId !== undefined) rows.push({ tenant_id: event.tenantId, event_id: event.id, contact_id: contactId, type: event.type, at: at.toISOString() });
    }
    if (rows.length > 0) {
      await this.#db.query(
        `INSERT INTO segment_activity (tenant_id, event_id, contact_id, type, at)
         SELECT r.tenant_id, r.event_id, r.contact_id, r.type, r.at FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, event_id text, contact_id text, type text, at timestamptz)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(rows)],
      );
    }
    return events.map(() => ({ kind: 'delivered' }));
  }
}
