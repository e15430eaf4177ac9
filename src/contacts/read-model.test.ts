import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { testStores } from '../../test/support/stores.ts';
import { currentConsents } from './consent.ts';
import { ContactService } from './contacts.ts';
import { ContactLists } from './lists.ts';
import { consentStatusSql, CONTACTS_READ_MODEL, inListSql } from './read-model.ts';
import { RecordingPublisher } from './test-support.ts';

/** The read model other parts compose into set queries must answer what the part's own functions answer. */
describe.each(testStores)('contacts read model on $kind', (factory) => {
  let store: Store;
  let tenantId: string;
  let contacts: ContactService;
  let lists: ContactLists;

  beforeAll(async () => {
    store = await factory.open();
  });
  afterAll(async () => store?.close());
  beforeEach(async () => {
    tenantId = (await createTenant(store, 'shop')).id;
    contacts = new ContactService(store, new RecordingPublisher());
    lists = new ContactLists(store);
  });

  const upsert = async (phone: string) => (await contacts.upsertContact(tenantId, { phone, firstName: 'Zoé', attributes: { tier: 'gold' } }, 'api')).contact.id;

  it('gives each contact its current consent by the consent rule, in one query, as consentOf and currentConsents do', async () => {
    const lateOlder = await upsert('+33611111111');
    const tied = await upsert('+33622222222');
    const never = await upsert('+33633333333');
    await contacts.setConsent(tenantId, lateOlder, 'sms', { status: 'granted', at: '2024-06-02T00:00:00Z' });
    // A record arriving late with an older date stays in the history without overriding the newer one.
    await contacts.setConsent(tenantId, lateOlder, 'sms', { status: 'withdrawn', at: '2024-06-01T00:00:00Z' });
    // Same date: the later record wins.
    await contacts.setConsent(tenantId, tied, 'sms', { status: 'granted', at: '2024-06-01T00:00:00Z' });
    await contacts.setConsent(tenantId, tied, 'sms', { status: 'withdrawn', at: '2024-06-01T00:00:00Z' });
    await contacts.setConsent(tenantId, tied, 'email', { status: 'granted', at: '2024-06-03T00:00:00Z' });
    const otherTenant = (await createTenant(store, 'other')).id;
    await contacts.upsertContact(otherTenant, { phone: '+33611111111' }, 'api');

    const statusOf = async (channel: 'sms' | 'email') =>
      Object.fromEntries(
        (await store.query<{ id: string; status: string }>(`SELECT c.id, ${consentStatusSql('c', '$2')} AS status FROM ${CONTACTS_READ_MODEL} c WHERE c.tenant_id = $1`, [tenantId, channel])).map(
          (row) => [row.id, row.status],
        ),
      );
    expect(await statusOf('sms')).toEqual({ [lateOlder]: 'granted', [tied]: 'withdrawn', [never]: 'unknown' });
    expect(await statusOf('email')).toEqual({ [lateOlder]: 'unknown', [tied]: 'granted', [never]: 'unknown' });
    for (const id of [lateOlder, tied]) expect((await contacts.consentOf(tenantId, id, 'sms'))?.status).toBe((await statusOf('sms'))[id]);

    const smsOnly = await currentConsents(store, tenantId, [lateOlder, tied, never], 'sms');
    expect(Object.fromEntries([...smsOnly].map(([id, byChannel]) => [id, Object.fromEntries(Object.entries(byChannel).map(([channel, record]) => [channel, record.status]))]))).toEqual({
      [lateOlder]: { sms: 'granted' },
      [tied]: { sms: 'withdrawn' },
    });
  });

  it('tells list membership per contact, as ContactLists does, and exposes the published columns', async () => {
    const member = await upsert('+33611111111');
    const outsider = await upsert('+33622222222');
    const list = await lists.create(tenantId, { name: 'VIP' });
    const otherList = await lists.create(tenantId, { name: 'Newsletter' });
    await lists.addMember(tenantId, list.id, member);
    await lists.addMember(tenantId, otherList.id, outsider);

    const rows = await store.query<{ id: string; in_list: boolean; phone: string; first_name: string; tier: string; time_zone: string }>(
      `SELECT c.id, ${inListSql('c', '$2')} AS in_list, c.phone, c.first_name, c.attributes->>'tier' AS tier, c.time_zone FROM ${CONTACTS_READ_MODEL} c WHERE c.tenant_id = $1 ORDER BY c.phone`,
      [tenantId, list.id],
    );
    expect(rows).toEqual([
      { id: member, in_list: true, phone: '+33611111111', first_name: 'Zoé', tier: 'gold', time_zone: 'Europe/Paris' },
      { id: outsider, in_list: false, phone: '+33622222222', first_name: 'Zoé', tier: 'gold', time_zone: 'Europe/Paris' },
    ]);
    expect(await lists.isMember(tenantId, list.id, member)).toBe(true);
    expect(await lists.isMember(tenantId, list.id, outsider)).toBe(false);
  });
});
