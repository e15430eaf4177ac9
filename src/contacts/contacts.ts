import type { Logger } from 'pino';
import type { z } from 'zod';
import type { EventBus } from '../bus/event-bus.ts';
import type { EventSubject } from '../bus/trigger-event.ts';
import type { Db } from '../store/db.ts';
import { mergeAttributes } from './attributes.ts';
import { consentHistory, currentConsent, recordConsent, type ConsentRecord } from './consent.ts';
import { CONTACT_COLUMNS, contactIdBy, contactIdByExternalId, contactRow, externalIdsOf, toContact, withExternalIds, type Contact, type ContactRow } from './contact-store.ts';
import { ContactConflictError, ContactInputError } from './errors.ts';
import { normalizePhone } from './phone.ts';
import { retryOnRace } from './retry.ts';
import {
  ConsentInputSchema,
  ContactInputSchema,
  ContactPatchSchema,
  EmailSchema,
  SourceSlugSchema,
  type Channel,
  type ConsentInput,
  type ContactInput,
  type ContactPatch,
} from './schemas.ts';
import { tenantPhoneRegion } from './tenant-region.ts';
import { upsertIn, type NormalizedInput, type UpsertResult } from './upsert.ts';

export type { Contact } from './contact-store.ts';

/** What the contacts part needs of the bus. */
export type EventPublisher = Pick<EventBus, 'publish'>;

/** One way to find a contact. Phone numbers may be national (read in the tenant's region). */
export type ContactKey = { id: string } | { phone: string } | { email: string } | { externalId: { source: string; id: string } };

export interface ContactFilter {
  phone?: string;
  email?: string;
  listId?: string;
  /** Substring of the first name, last name or "first last". */
  q?: string;
  /** Contacts older than this sequence number (the cursor). */
  beforeSeq?: number;
  limit: number;
}

function parse<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw ContactInputError.fromZod(result.error);
  return result.data;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * Contacts of a tenant: upsert from connectors and the API, lookups, subject resolution for events,
 * edits and RGPD erasure. Every query is scoped to the tenant.
 */
export class ContactService {
  readonly #db: Db;
  readonly #publisher: EventPublisher;
  readonly #log: Logger | undefined;

  constructor(db: Db, publisher: EventPublisher, options: { log?: Logger } = {}) {
    this.#db = db;
    this.#publisher = publisher;
    this.#log = options.log;
  }

  /**
   * Creates or updates the contact the input identifies: by external id (source + id), then phone,
   * then email. Runs in one transaction and retries when a concurrent upsert wins a unique index, so
   * 50 parallel upserts of one phone make one contact. Identifiers held by another contact are left
   * alone and listed in `conflicts`. Publishes `contact.created` for a new contact.
   *
   * @param source the system making the call ("woocommerce", "api"): recorded as the contact's
   *   source and the event's, and the default source of consent given in the input.
   * @throws ContactInputError when the input is invalid (paths relative to the input).
   */
  async upsertContact(tenantId: string, input: ContactInput, source: string): Promise<UpsertResult> {
    SourceSlugSchema.parse(source);
    const parsed = parse(ContactInputSchema, input);
    const normalized: NormalizedInput = { ...parsed, phone: parsed.phone === undefined ? undefined : await this.#phoneOrThrow(tenantId, parsed.phone, 'phone') };
    const result = await retryOnRace(() => this.#db.transaction((tx) => upsertIn(tx, tenantId, normalized, source)));
    if (result.created) await this.#publishCreated(tenantId, result.contact, source);
    return result;
  }

  async findContact(tenantId: string, key: ContactKey): Promise<Contact | undefined> {
    let id: string | undefined;
    if ('id' in key) id = key.id;
    else if ('phone' in key) {
      const phone = normalizePhone(key.phone, await tenantPhoneRegion(this.#db, tenantId));
      id = phone.ok ? await contactIdBy(this.#db, tenantId, 'phone', phone.e164) : undefined;
    } else if ('email' in key) id = await contactIdBy(this.#db, tenantId, 'email', key.email.trim().toLowerCase());
    else id = await contactIdByExternalId(this.#db, tenantId, key.externalId.source, key.externalId.id);
    return id === undefined ? undefined : this.getContact(tenantId, id);
  }

  async getContact(tenantId: string, id: string): Promise<Contact | undefined> {
    const row = await contactRow(this.#db, tenantId, id);
    if (!row) return undefined;
    const ids = await externalIdsOf(this.#db, tenantId, [id]);
    return toContact(row, ids.get(id) ?? {});
  }

  /**
   * The contact an event is about: its `contactId` when it is the tenant's; otherwise found by its
   * external ids, phone or email, and created when a phone or an email is known (a subject with
   * only external ids is looked up, never created). Invalid phone or email values are ignored.
   */
  async resolveSubject(tenantId: string, subject: EventSubject, source = 'hub'): Promise<string | undefined> {
    if (subject.contactId !== undefined && (await contactRow(this.#db, tenantId, subject.contactId))) return subject.contactId;
    const externalIds = Object.fromEntries(
      Object.entries(subject.externalIds ?? {}).filter(([system, id]) => SourceSlugSchema.safeParse(system).success && id.trim().length > 0 && id.length <= 256),
    );
    const region = subject.phone === undefined ? undefined : await tenantPhoneRegion(this.#db, tenantId);
    const phone = subject.phone === undefined ? undefined : normalizePhone(subject.phone, region);
    const email = subject.email === undefined ? undefined : EmailSchema.safeParse(subject.email);
    const input: ContactInput = { externalIds };
    if (phone?.ok) input.phone = phone.e164;
    if (email?.success) input.email = email.data;
    if (input.phone === undefined && input.email === undefined) {
      for (const [system, id] of Object.entries(externalIds)) {
        const found = await contactIdByExternalId(this.#db, tenantId, system, id);
        if (found) return found;
      }
      return undefined;
    }
    return (await this.upsertContact(tenantId, input, source)).contact.id;
  }

  /** Newest first. */
  async listContacts(tenantId: string, filter: ContactFilter): Promise<(Contact & { seq: number })[]> {
    const conditions = ['c.tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (condition: string, value: unknown) => {
      params.push(value);
      conditions.push(condition.replaceAll('?', `$${params.length}`));
    };
    if (filter.phone !== undefined) add('c.phone = ?', await this.#phoneOrThrow(tenantId, filter.phone, 'phone'));
    if (filter.email !== undefined) add('c.email = ?', filter.email.trim().toLowerCase());
    if (filter.listId !== undefined) add('EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = ? AND m.contact_id = c.id AND m.tenant_id = c.tenant_id)', filter.listId);
    if (filter.q !== undefined && filter.q.trim().length > 0) {
      add(
        `(c.first_name ILIKE ? OR c.last_name ILIKE ? OR (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ILIKE ?)`,
        `%${escapeLike(filter.q.trim())}%`,
      );
    }
    if (filter.beforeSeq !== undefined) add('c.seq < ?', filter.beforeSeq);
    params.push(filter.limit);
    const rows = await this.#db.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE ${conditions.join(' AND ')} ORDER BY c.seq DESC LIMIT $${params.length}`, params);
    return withExternalIds(this.#db, tenantId, rows);
  }

  /**
   * Applies a PATCH. Undefined when the contact is not the tenant's.
   * @throws ContactInputError for invalid values; ContactConflictError when another contact holds the new phone, email or external id.
   */
  async updateContact(tenantId: string, id: string, patch: ContactPatch): Promise<Contact | undefined> {
    const parsed = parse(ContactPatchSchema, patch);
    const phone = parsed.phone === undefined || parsed.phone === null ? parsed.phone : await this.#phoneOrThrow(tenantId, parsed.phone, 'phone');
    return retryOnRace(() =>
      this.#db.transaction(async (tx) => {
        const row = await contactRow(tx, tenantId, id, { forUpdate: true });
        if (!row) return undefined;
        for (const [field, value] of [['phone', phone], ['email', parsed.email]] as const) {
          if (value === undefined || value === null || value === row[field]) continue;
          const owner = await contactIdBy(tx, tenantId, field, value);
          if (owner !== undefined && owner !== id) throw new ContactConflictError(field, `${field} "${value}" belongs to contact ${owner}.`, owner);
        }
        for (const [system, value] of Object.entries(parsed.externalIds ?? {})) {
          if (value === null) {
            await tx.query('DELETE FROM contact_external_ids WHERE tenant_id = $1 AND contact_id = $2 AND source = $3', [tenantId, id, system]);
            continue;
          }
          const owner = await contactIdByExternalId(tx, tenantId, system, value);
          if (owner === id) continue;
          if (owner !== undefined) throw new ContactConflictError(`externalIds.${system}`, `${system} id "${value}" belongs to contact ${owner}.`, owner);
          await tx.query('DELETE FROM contact_external_ids WHERE tenant_id = $1 AND contact_id = $2 AND source = $3', [tenantId, id, system]);
          await tx.query('INSERT INTO contact_external_ids (tenant_id, source, external_id, contact_id) VALUES ($1, $2, $3, $4)', [tenantId, system, value, id]);
        }
        const pick = <T>(next: T | undefined, current: T) => (next === undefined ? current : next);
        await tx.query(
          `UPDATE contacts SET phone = $3, email = $4, first_name = $5, last_name = $6, locale = $7, time_zone = $8, attributes = $9, updated_at = now()
           WHERE tenant_id = $1 AND id = $2`,
          [
            tenantId,
            id,
            pick(phone, row.phone),
            pick(parsed.email, row.email),
            pick(parsed.firstName, row.first_name),
            pick(parsed.lastName, row.last_name),
            pick(parsed.locale, row.locale),
            pick(parsed.timeZone, row.time_zone),
            JSON.stringify(mergeAttributes(row.attributes, parsed.attributes)),
          ],
        );
        const updated = await contactRow(tx, tenantId, id);
        const ids = await externalIdsOf(tx, tenantId, [id]);
        return toContact(updated!, ids.get(id) ?? {});
      }),
    );
  }

  /**
   * RGPD erasure: deletes the contact with its external ids, consent history and list memberships.
   * The opt-out list is by address and independent of contacts, so objections stay enforced.
   */
  async eraseContact(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.#db.query('DELETE FROM contacts WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id]);
    return rows.length === 1;
  }

  /**
   * Appends a consent record (history is kept) and answers the current status, which stays the
   * newest by `at`: an older record is stored but does not change it. Undefined when the contact is
   * not the tenant's.
   */
  async setConsent(tenantId: string, contactId: string, channel: Channel, input: ConsentInput, source = 'api'): Promise<ConsentRecord | undefined> {
    const consent = parse(ConsentInputSchema, input);
    return this.#db.transaction(async (tx) => {
      const recorded = await recordConsent(tx, tenantId, contactId, channel, {
        status: consent.status,
        at: consent.at === undefined ? undefined : new Date(consent.at),
        source: consent.source ?? source,
        proof: consent.proof,
      });
      return recorded ? currentConsent(tx, tenantId, contactId, channel) : undefined;
    });
  }

  /** The current consent on a channel; undefined: never recorded (unknown). One indexed query. */
  async consentOf(tenantId: string, contactId: string, channel: Channel): Promise<ConsentRecord | undefined> {
    return currentConsent(this.#db, tenantId, contactId, channel);
  }

  /** Every consent record of the contact, newest first. */
  async consentHistory(tenantId: string, contactId: string, channel?: Channel): Promise<ConsentRecord[]> {
    return consentHistory(this.#db, tenantId, contactId, channel);
  }

  async #phoneOrThrow(tenantId: string, input: string, path: string): Promise<string> {
    const result = normalizePhone(input, await tenantPhoneRegion(this.#db, tenantId));
    if (!result.ok) throw new ContactInputError([{ path, message: result.message }]);
    return result.e164;
  }

  async #publishCreated(tenantId: string, contact: Contact, source: string): Promise<void> {
    const subject: EventSubject = { contactId: contact.id };
    if (contact.phone !== null) subject.phone = contact.phone;
    if (contact.email !== null) subject.email = contact.email;
    try {
      await this.#publisher.publish({
        tenantId,
        source,
        type: 'contact.created',
        dedupeKey: `contact.created:${contact.id}`,
        subject,
        data: { contactId: contact.id, phone: contact.phone, email: contact.email, firstName: contact.firstName, lastName: contact.lastName },
      });
    } catch (error) {
      // The contact is committed; failing the upsert now would make the caller retry into an update.
      this.#log?.error({ err: error, tenantId, contactId: contact.id }, 'contact.created could not be published');
    }
  }
}
