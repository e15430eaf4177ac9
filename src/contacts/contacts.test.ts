import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { testStores } from '../../test/support/stores.ts';
import { ContactService } from './contacts.ts';
import { ContactConflictError, ContactInputError } from './errors.ts';
import { ContactLists } from './lists.ts';
import { OptOutList } from './opt-outs.ts';
import { RecordingPublisher } from './test-support.ts';

describe.each(testStores)('contacts service on $kind', (factory) => {
  let store: Store;
  let tenantId: string;
  let otherTenantId: string;
  let publisher: RecordingPublisher;
  let contacts: ContactService;

  beforeAll(async () => {
    store = await factory.open();
  });
  afterAll(async () => store?.close());
  beforeEach(async () => {
    // A fresh tenant per test keeps tests independent on one migrated store.
    tenantId = (await createTenant(store, 'shop')).id;
    otherTenantId = (await createTenant(store, 'other shop')).id;
    publisher = new RecordingPublisher();
    contacts = new ContactService(store, publisher);
  });

  describe('upsertContact', () => {
    it('creates a contact with normalized fields and publishes contact.created once', async () => {
      const result = await contacts.upsertContact(
        tenantId,
        {
          phone: '06 12 34 56 78',
          email: '  Camille.Martin@Example.FR ',
          firstName: 'Camille',
          lastName: 'Martin',
          locale: 'fr-fr',
          timeZone: 'europe/paris',
          attributes: { vip: true, points: 120 },
          externalIds: { woocommerce: '5501' },
        },
        'woocommerce',
      );
      expect(result).toMatchObject({ created: true, matchedBy: undefined, conflicts: [] });
      expect(result.contact).toMatchObject({
        id: expect.stringMatching(/^con_/),
        phone: '+33612345678',
        email: 'camille.martin@example.fr',
        firstName: 'Camille',
        lastName: 'Martin',
        locale: 'fr-FR',
        timeZone: 'Europe/Paris',
        attributes: { vip: true, points: 120 },
        externalIds: { woocommerce: '5501' },
        source: 'woocommerce',
      });
      expect(publisher.published).toEqual([
        expect.objectContaining({
          tenantId,
          source: 'woocommerce',
          type: 'contact.created',
          dedupeKey: `contact.created:${result.contact.id}`,
          subject: { contactId: result.contact.id, phone: '+33612345678', email: 'camille.martin@example.fr' },
          data: { contactId: result.contact.id, phone: '+33612345678', email: 'camille.martin@example.fr', firstName: 'Camille', lastName: 'Martin' },
        }),
      ]);

      const again = await contacts.upsertContact(tenantId, { phone: '+33612345678', firstName: 'Camille' }, 'api');
      expect(again).toMatchObject({ created: false, matchedBy: 'phone', contact: { id: result.contact.id } });
      expect(publisher.published).toHaveLength(1);
    });

    it('keeps the committed contact when the bus refuses the event', async () => {
      const failing = new ContactService(store, { publish: async () => Promise.reject(new Error('queue down')) });
      const result = await failing.upsertContact(tenantId, { phone: '+33611111111' }, 'api');
      expect(result.created).toBe(true);
      expect(await contacts.getContact(tenantId, result.contact.id)).toBeDefined();
    });

    it('defaults the time zone to Europe/Paris and attributes to {}', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { email: 'a@b.fr' }, 'api');
      expect(contact).toMatchObject({ timeZone: 'Europe/Paris', attributes: {}, phone: null, locale: null, externalIds: {} });
    });

    it('matches by external id, then phone, then email', async () => {
      const byExternal = (await contacts.upsertContact(tenantId, { externalIds: { woocommerce: '1' }, firstName: 'A' }, 'woocommerce')).contact;
      const byPhone = (await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api')).contact;
      const byEmail = (await contacts.upsertContact(tenantId, { email: 'c@example.fr' }, 'api')).contact;

      // External id wins over a phone held by another contact.
      const first = await contacts.upsertContact(tenantId, { externalIds: { woocommerce: '1' }, phone: '+33611111111' }, 'woocommerce');
      expect(first).toMatchObject({ created: false, matchedBy: 'externalId', contact: { id: byExternal.id, phone: null } });
      // Phone wins over email.
      const second = await contacts.upsertContact(tenantId, { phone: '06 11 11 11 11', email: 'c@example.fr' }, 'api');
      expect(second).toMatchObject({ matchedBy: 'phone', contact: { id: byPhone.id, email: null } });
      // Email alone.
      const third = await contacts.upsertContact(tenantId, { email: 'C@Example.fr', firstName: 'Chloé' }, 'api');
      expect(third).toMatchObject({ matchedBy: 'email', contact: { id: byEmail.id, firstName: 'Chloé' } });
    });

    it('reports identifiers held by other contacts instead of merging them', async () => {
      const a = (await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api')).contact;
      const b = (await contacts.upsertContact(tenantId, { email: 'b@example.fr' }, 'api')).contact;
      const result = await contacts.upsertContact(tenantId, { phone: '+33611111111', email: 'b@example.fr', firstName: 'Alex' }, 'api');
      expect(result.created).toBe(false);
      expect(result.contact).toMatchObject({ id: a.id, phone: '+33611111111', email: null, firstName: 'Alex' });
      expect(result.conflicts).toEqual([{ field: 'email', value: 'b@example.fr', reason: 'held-by-other-contact', contactId: b.id }]);
      expect(await contacts.getContact(tenantId, b.id)).toMatchObject({ email: 'b@example.fr', firstName: null });
    });

    it('reports a second id from the same system rather than relinking', async () => {
      const a = (await contacts.upsertContact(tenantId, { phone: '+33611111111', externalIds: { woocommerce: '1' } }, 'woocommerce')).contact;
      const result = await contacts.upsertContact(tenantId, { phone: '+33611111111', externalIds: { woocommerce: '2', salesforce: '003A' } }, 'woocommerce');
      expect(result.contact).toMatchObject({ id: a.id, externalIds: { woocommerce: '1', salesforce: '003A' } });
      expect(result.conflicts).toEqual([{ field: 'externalIds.woocommerce', value: '2', reason: 'contact-has-other-id', contactId: a.id, existingValue: '1' }]);
    });

    it('updates what changed, merges attributes (null removes) and keeps updatedAt when nothing changed', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111', attributes: { a: 1, b: 2 } }, 'api');
      const same = await contacts.upsertContact(tenantId, { phone: '+33611111111', attributes: { a: 1 } }, 'api');
      expect(same.contact.updatedAt).toEqual(contact.updatedAt);
      const changed = await contacts.upsertContact(tenantId, { phone: '+33611111111', email: 'new@example.fr', attributes: { b: null, c: { nested: [1, 2] } } }, 'api');
      expect(changed.contact).toMatchObject({ email: 'new@example.fr', attributes: { a: 1, c: { nested: [1, 2] } } });
      expect(changed.contact.attributes).not.toHaveProperty('b');
    });

    it('makes one contact out of 50 concurrent upserts of the same phone', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => contacts.upsertContact(tenantId, { phone: '06 12 34 56 78', attributes: { [`k${index}`]: index } }, 'api')),
      );
      const ids = new Set(results.map((result) => result.contact.id));
      expect(ids.size).toBe(1);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(publisher.ofType('contact.created')).toHaveLength(1);
      const [row] = await store.query<{ count: number }>('SELECT count(*)::int AS count FROM contacts WHERE tenant_id = $1', [tenantId]);
      expect(row!.count).toBe(1);
      // Every concurrent attribute merge survived: upserts lock the row they update.
      expect(Object.keys((await contacts.getContact(tenantId, [...ids][0]!))!.attributes)).toHaveLength(50);
    });

    it('makes one contact out of concurrent upserts that carry phone, email and external id together', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          contacts.upsertContact(tenantId, index % 2 === 0 ? { phone: '+33622222222', email: 'x@example.fr' } : { email: 'x@example.fr', externalIds: { shop: '9' } }, 'api'),
        ),
      );
      expect(new Set(results.map((result) => result.contact.id)).size).toBe(1);
      const [row] = await store.query<{ count: number }>('SELECT count(*)::int AS count FROM contacts WHERE tenant_id = $1', [tenantId]);
      expect(row!.count).toBe(1);
      expect(await contacts.findContact(tenantId, { externalId: { source: 'shop', id: '9' } })).toMatchObject({ phone: '+33622222222', email: 'x@example.fr' });
    });

    it('records consent given with the upsert', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111', consent: { sms: { status: 'granted', proof: 'case cochée' } } }, 'woocommerce');
      expect(await contacts.consentOf(tenantId, contact.id, 'sms')).toMatchObject({ status: 'granted', source: 'woocommerce', proof: 'case cochée' });
      expect(await contacts.consentOf(tenantId, contact.id, 'email')).toBeUndefined();
    });

    it.each([
      ['an invalid phone', { phone: '06 12' }, 'phone', /"06 12" is not a valid phone number for region FR/],
      ['an invalid email', { email: 'not-an-email' }, 'email', /"not-an-email" is not a valid email address/],
      ['an invalid time zone', { email: 'a@b.fr', timeZone: 'Mars/Olympus' }, 'timeZone', /not an IANA time zone/],
      ['a UTC offset as time zone', { email: 'a@b.fr', timeZone: '+01:00' }, 'timeZone', /not an IANA time zone/],
      ['no identifier', { firstName: 'Nobody' }, '', /at least a phone, an email or an external id/],
      ['an unknown field', { email: 'a@b.fr', nickname: 'x' }, '', /nickname/],
      ['a wrong type', { email: 'a@b.fr', firstName: 42 }, 'firstName', /string/],
      ['too large attributes', { email: 'a@b.fr', attributes: { blob: 'x'.repeat(17_000) } }, 'attributes', /bytes/],
      ['a bad external id source', { externalIds: { 'Woo Commerce': '1' } }, 'externalIds.Woo Commerce', /slug/],
    ])('refuses %s with a field path', async (_name, input, path, message) => {
      const error = await contacts.upsertContact(tenantId, input as never, 'api').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ContactInputError);
      expect((error as ContactInputError).issues).toContainEqual({ path, message: expect.stringMatching(message) });
      expect(publisher.published).toEqual([]);
    });

    it('reads national numbers in the tenant\'s region', async () => {
      await store.query(`UPDATE tenants SET settings = '{"phoneRegion": "BE"}'::jsonb WHERE id = $1`, [tenantId]);
      const { contact } = await contacts.upsertContact(tenantId, { phone: '0470 12 34 56' }, 'api');
      expect(contact.phone).toBe('+32470123456');
    });

    it('keeps tenants apart: the same phone makes two contacts', async () => {
      const a = await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api');
      const b = await contacts.upsertContact(otherTenantId, { phone: '+33611111111' }, 'api');
      expect(b.created).toBe(true);
      expect(b.contact.id).not.toBe(a.contact.id);
      expect(await contacts.getContact(otherTenantId, a.contact.id)).toBeUndefined();
    });
  });

  describe('findContact and resolveSubject', () => {
    it('finds by id, phone (national or E.164), email (any case) and external id, within the tenant', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111', email: 'a@example.fr', externalIds: { salesforce: '003X' } }, 'api');
      for (const key of [{ id: contact.id }, { phone: '06 11 11 11 11' }, { phone: '+33611111111' }, { email: 'A@Example.FR' }, { externalId: { source: 'salesforce', id: '003X' } }]) {
        expect((await contacts.findContact(tenantId, key))?.id).toBe(contact.id);
        expect(await contacts.findContact(otherTenantId, key)).toBeUndefined();
      }
      expect(await contacts.findContact(tenantId, { phone: 'garbage' })).toBeUndefined();
    });

    it('resolves a known contact id, an existing identifier, or creates from a phone or email', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { email: 'a@example.fr' }, 'api');
      expect(await contacts.resolveSubject(tenantId, { contactId: contact.id })).toBe(contact.id);
      expect(await contacts.resolveSubject(tenantId, { email: 'A@example.fr' })).toBe(contact.id);
      const created = await contacts.resolveSubject(tenantId, { phone: '0622222222', externalIds: { woocommerce: '77' } }, 'woocommerce');
      expect(created).toMatch(/^con_/);
      expect(await contacts.getContact(tenantId, created!)).toMatchObject({ phone: '+33622222222', externalIds: { woocommerce: '77' }, source: 'woocommerce' });
      expect(await contacts.resolveSubject(tenantId, { externalIds: { woocommerce: '77' } })).toBe(created);
    });

    it('does not create from external ids alone, another tenant\'s id, or invalid identifiers', async () => {
      const other = (await contacts.upsertContact(otherTenantId, { email: 'z@example.fr' }, 'api')).contact;
      expect(await contacts.resolveSubject(tenantId, { contactId: other.id })).toBeUndefined();
      expect(await contacts.resolveSubject(tenantId, { externalIds: { woocommerce: '1' } })).toBeUndefined();
      expect(await contacts.resolveSubject(tenantId, { phone: '06 12' })).toBeUndefined();
      expect(await contacts.resolveSubject(tenantId, {})).toBeUndefined();
      const [row] = await store.query<{ count: number }>('SELECT count(*)::int AS count FROM contacts WHERE tenant_id = $1', [tenantId]);
      expect(row!.count).toBe(0);
    });
  });

  describe('listContacts', () => {
    it('filters by phone, email, list and name, newest first, with a cursor', async () => {
      const camille = (await contacts.upsertContact(tenantId, { phone: '+33611111111', firstName: 'Camille', lastName: 'Martin' }, 'api')).contact;
      const lea = (await contacts.upsertContact(tenantId, { email: 'lea@example.fr', firstName: 'Léa', lastName: 'Dupont' }, 'api')).contact;
      const percent = (await contacts.upsertContact(tenantId, { email: 'p@example.fr', firstName: '100%' }, 'api')).contact;
      await contacts.upsertContact(otherTenantId, { phone: '+33611111111', firstName: 'Camille' }, 'api');
      const lists = new ContactLists(store);
      const vip = await lists.create(tenantId, { name: 'VIP' });
      await lists.addMember(tenantId, vip.id, lea.id);

      const ids = async (filter: Parameters<ContactService['listContacts']>[1]) => (await contacts.listContacts(tenantId, filter)).map((contact) => contact.id);
      expect(await ids({ limit: 10 })).toEqual([percent.id, lea.id, camille.id]);
      expect(await ids({ limit: 10, phone: '06 11 11 11 11' })).toEqual([camille.id]);
      expect(await ids({ limit: 10, email: 'LEA@example.fr' })).toEqual([lea.id]);
      expect(await ids({ limit: 10, listId: vip.id })).toEqual([lea.id]);
      expect(await ids({ limit: 10, q: 'camille mar' })).toEqual([camille.id]);
      expect(await ids({ limit: 10, q: 'dup' })).toEqual([lea.id]);
      expect(await ids({ limit: 10, q: '%' })).toEqual([percent.id]);
      const firstPage = await contacts.listContacts(tenantId, { limit: 2 });
      expect(await ids({ limit: 2, beforeSeq: firstPage.at(-1)!.seq })).toEqual([camille.id]);
      await expect(contacts.listContacts(tenantId, { limit: 10, phone: '06 12' })).rejects.toBeInstanceOf(ContactInputError);
    });
  });

  describe('updateContact and eraseContact', () => {
    it('patches fields, clears with null, links and unlinks external ids', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111', firstName: 'A', externalIds: { woocommerce: '1' }, attributes: { a: 1 } }, 'api');
      const updated = await contacts.updateContact(tenantId, contact.id, {
        phone: '07 81 23 45 67',
        email: 'A@B.fr',
        firstName: null,
        timeZone: 'America/Martinique',
        attributes: { a: null, b: 'x' },
        externalIds: { woocommerce: null, salesforce: '003' },
      });
      expect(updated).toMatchObject({
        phone: '+33781234567',
        email: 'a@b.fr',
        firstName: null,
        timeZone: 'America/Martinique',
        attributes: { b: 'x' },
        externalIds: { salesforce: '003' },
      });
      expect(await contacts.updateContact(otherTenantId, contact.id, { firstName: 'X' })).toBeUndefined();
    });

    it('refuses to take another contact\'s phone, email or external id', async () => {
      const a = (await contacts.upsertContact(tenantId, { phone: '+33611111111', externalIds: { woocommerce: '1' } }, 'api')).contact;
      const b = (await contacts.upsertContact(tenantId, { email: 'b@example.fr' }, 'api')).contact;
      for (const patch of [{ phone: '06 11 11 11 11' }, { externalIds: { woocommerce: '1' } }]) {
        const error = await contacts.updateContact(tenantId, b.id, patch).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ContactConflictError);
        expect((error as ContactConflictError).otherContactId).toBe(a.id);
      }
      await expect(contacts.updateContact(tenantId, a.id, { email: 'B@example.fr' })).rejects.toBeInstanceOf(ContactConflictError);
      await expect(contacts.updateContact(tenantId, a.id, { phone: '06 12' })).rejects.toBeInstanceOf(ContactInputError);
    });

    it('erases the contact with its consent, ids and memberships, but keeps its opt-outs', async () => {
      const optOuts = new OptOutList(store, publisher);
      const lists = new ContactLists(store);
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111', externalIds: { woocommerce: '1' }, consent: { sms: { status: 'granted' } } }, 'api');
      const list = await lists.create(tenantId, { name: 'Newsletter' });
      await lists.addMember(tenantId, list.id, contact.id);
      await optOuts.optOut(tenantId, 'sms', '+33611111111', { source: 'sms-keyword:STOP' });

      expect(await contacts.eraseContact(otherTenantId, contact.id)).toBe(false);
      expect(await contacts.eraseContact(tenantId, contact.id)).toBe(true);
      expect(await contacts.getContact(tenantId, contact.id)).toBeUndefined();
      expect(await contacts.findContact(tenantId, { externalId: { source: 'woocommerce', id: '1' } })).toBeUndefined();
      expect(await contacts.consentHistory(tenantId, contact.id)).toEqual([]);
      expect((await lists.get(tenantId, list.id))!.memberCount).toBe(0);
      expect(await optOuts.isOptedOut(tenantId, 'sms', '+33611111111')).toBe(true);
      expect(await contacts.eraseContact(tenantId, contact.id)).toBe(false);
    });
  });

  describe('consent', () => {
    it('keeps the whole history; the current status is the newest by date, even when recorded late', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api');
      expect(await contacts.consentOf(tenantId, contact.id, 'sms')).toBeUndefined();

      await contacts.setConsent(tenantId, contact.id, 'sms', { status: 'granted', at: '2026-01-10T10:00:00Z', source: 'woocommerce-checkout', proof: 'J\'accepte de recevoir des SMS' });
      const withdrawn = await contacts.setConsent(tenantId, contact.id, 'sms', { status: 'withdrawn', at: '2026-03-01T08:00:00+01:00', source: 'sms-keyword:STOP' });
      expect(withdrawn).toMatchObject({ status: 'withdrawn', source: 'sms-keyword:STOP', at: new Date('2026-03-01T07:00:00Z') });
      // A CRM replays an older grant: stored, but the STOP stays current.
      const late = await contacts.setConsent(tenantId, contact.id, 'sms', { status: 'granted', at: '2026-02-01T00:00:00Z', source: 'salesforce' });
      expect(late).toMatchObject({ status: 'withdrawn' });
      await contacts.setConsent(tenantId, contact.id, 'email', { status: 'granted' });

      expect((await contacts.consentHistory(tenantId, contact.id, 'sms')).map((record) => [record.status, record.source])).toEqual([
        ['withdrawn', 'sms-keyword:STOP'],
        ['granted', 'salesforce'],
        ['granted', 'woocommerce-checkout'],
      ]);
      expect(await contacts.consentHistory(tenantId, contact.id)).toHaveLength(4);
      expect(await contacts.consentOf(tenantId, contact.id, 'email')).toMatchObject({ status: 'granted', source: 'api', proof: null });
    });

    it('refuses another tenant\'s contact and invalid input', async () => {
      const { contact } = await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api');
      expect(await contacts.setConsent(otherTenantId, contact.id, 'sms', { status: 'granted' })).toBeUndefined();
      expect(await contacts.consentHistory(otherTenantId, contact.id)).toEqual([]);
      await expect(contacts.setConsent(tenantId, contact.id, 'sms', { status: 'maybe' } as never)).rejects.toBeInstanceOf(ContactInputError);
      // A future date would outrank every later record: refused.
      const future = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
      const error = await contacts.setConsent(tenantId, contact.id, 'sms', { status: 'granted', at: future }).catch((caught: unknown) => caught);
      expect((error as ContactInputError).issues).toEqual([{ path: 'at', message: expect.stringMatching(/future/) }]);
      expect(await contacts.consentHistory(tenantId, contact.id)).toEqual([]);
    });
  });
});
