import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { testStores } from '../../test/support/stores.ts';
import { ContactService } from './contacts.ts';
import { ContactInputError } from './errors.ts';
import { OptOutList } from './opt-outs.ts';
import { RecordingPublisher } from './test-support.ts';

describe.each(testStores)('opt-out list on $kind', (factory) => {
  let store: Store;
  let tenantId: string;
  let otherTenantId: string;
  let publisher: RecordingPublisher;
  let contacts: ContactService;
  let optOuts: OptOutList;

  beforeAll(async () => {
    store = await factory.open();
  });
  afterAll(async () => store?.close());
  beforeEach(async () => {
    tenantId = (await createTenant(store, 'shop')).id;
    otherTenantId = (await createTenant(store, 'other shop')).id;
    publisher = new RecordingPublisher();
    contacts = new ContactService(store, publisher);
    optOuts = new OptOutList(store, publisher);
  });

  it('records a STOP from an unknown number and answers isOptedOut per tenant and channel', async () => {
    const result = await optOuts.optOut(tenantId, 'sms', '06 12 34 56 78', { source: 'sms-keyword:STOP', reason: 'STOP' });
    expect(result).toMatchObject({ created: true, contactId: undefined, optOut: { channel: 'sms', address: '+33612345678', source: 'sms-keyword:STOP', reason: 'STOP', liftedAt: null } });
    expect(await optOuts.isOptedOut(tenantId, 'sms', '+33612345678')).toBe(true);
    expect(await optOuts.isOptedOut(tenantId, 'email', '+33612345678')).toBe(false);
    expect(await optOuts.isOptedOut(otherTenantId, 'sms', '+33612345678')).toBe(false);
    expect(await optOuts.isOptedOut(tenantId, 'sms', '+33612345679')).toBe(false);
    expect(publisher.ofType('contact.unsubscribed')).toEqual([
      expect.objectContaining({
        tenantId,
        source: 'hub',
        subject: { phone: '+33612345678' },
        data: { channel: 'sms', address: '+33612345678', via: 'sms-keyword:STOP' },
        dedupeKey: `contact.unsubscribed:sms:+33612345678:${result.optOut.seq}`,
      }),
    ]);
  });

  it('withdraws the matching contact\'s consent and publishes once for repeated STOPs', async () => {
    const { contact } = await contacts.upsertContact(tenantId, { phone: '+33612345678', email: 'a@example.fr', consent: { sms: { status: 'granted' } } }, 'api');
    const first = await optOuts.optOut(tenantId, 'sms', '+33612345678', { source: 'sms-keyword:STOP', reason: 'Stop' });
    expect(first).toMatchObject({ created: true, contactId: contact.id });
    const again = await optOuts.optOut(tenantId, 'sms', '+33 6 12 34 56 78', { source: 'sms-keyword:STOP', reason: 'STOP!!' });
    expect(again).toMatchObject({ created: false, contactId: contact.id, optOut: { seq: first.optOut.seq, reason: 'Stop' } });
    expect(publisher.ofType('contact.unsubscribed')).toHaveLength(1);
    expect(publisher.ofType('contact.unsubscribed')[0]!.subject).toEqual({ phone: '+33612345678', contactId: contact.id });
    expect(await contacts.consentOf(tenantId, contact.id, 'sms')).toMatchObject({ status: 'withdrawn', source: 'sms-keyword:STOP', proof: 'Stop' });
    expect(await contacts.consentOf(tenantId, contact.id, 'email')).toBeUndefined();
    expect((await contacts.consentHistory(tenantId, contact.id, 'sms')).map((record) => record.status)).toEqual(['withdrawn', 'granted']);
  });

  it('absorbs concurrent STOPs for one address: one active row, one event', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => optOuts.optOut(tenantId, 'email', 'Camille@Example.fr', { source: 'email-one-click' })));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.optOut.seq)).size).toBe(1);
    expect(publisher.ofType('contact.unsubscribed')).toHaveLength(1);
    expect(await optOuts.isOptedOut(tenantId, 'email', 'camille@example.fr')).toBe(true);
    expect(await optOuts.isOptedOut(tenantId, 'email', 'CAMILLE@example.fr')).toBe(true);
  });

  it('opt-in lifts the row but keeps it; a new STOP opens a new row and a new event', async () => {
    const { contact } = await contacts.upsertContact(tenantId, { email: 'a@example.fr' }, 'api');
    const first = await optOuts.optOut(tenantId, 'email', 'a@example.fr', { source: 'email-one-click' });
    expect(await optOuts.optIn(tenantId, 'email', 'A@example.fr', { source: 'api', consent: { proof: 'double opt-in confirmé' } })).toBe(true);
    expect(await optOuts.isOptedOut(tenantId, 'email', 'a@example.fr')).toBe(false);
    expect(await optOuts.optIn(tenantId, 'email', 'a@example.fr', { source: 'api' })).toBe(false);
    expect(await contacts.consentOf(tenantId, contact.id, 'email')).toMatchObject({ status: 'granted', proof: 'double opt-in confirmé' });

    expect(await optOuts.list(tenantId, { limit: 10 })).toEqual([]);
    const history = await optOuts.list(tenantId, { limit: 10, includeLifted: true });
    expect(history).toEqual([expect.objectContaining({ seq: first.optOut.seq, liftedAt: expect.any(Date), liftedSource: 'api' })]);

    const second = await optOuts.optOut(tenantId, 'email', 'a@example.fr', { source: 'email-one-click' });
    expect(second.created).toBe(true);
    expect(second.optOut.seq).not.toBe(first.optOut.seq);
    expect(publisher.ofType('contact.unsubscribed')).toHaveLength(2);
    expect(new Set(publisher.ofType('contact.unsubscribed').map((event) => event.dedupeKey)).size).toBe(2);
  });

  it('keeps lifted opt-outs 3 years, then purges them; active ones are never purged', async () => {
    await optOuts.optOut(tenantId, 'sms', '+33611111111', { source: 'api' });
    await optOuts.optOut(tenantId, 'sms', '+33622222222', { source: 'api' });
    await optOuts.optIn(tenantId, 'sms', '+33611111111', { source: 'api' });
    const inYears = (years: number, days = 0) => new Date(Date.now() + (years * 365.25 + days) * 24 * 3600 * 1000);

    expect(await optOuts.purgeExpired(tenantId, inYears(2, 360))).toBe(0);
    expect(await optOuts.list(tenantId, { limit: 10, includeLifted: true })).toHaveLength(2);
    expect(await optOuts.purgeExpired(tenantId, inYears(3, 2))).toBe(1);
    const left = await optOuts.list(tenantId, { limit: 10, includeLifted: true });
    expect(left).toEqual([expect.objectContaining({ address: '+33622222222', liftedAt: null })]);
    expect(await optOuts.purgeExpired(tenantId, inYears(50))).toBe(0);
  });

  it('lists newest first with filters and a cursor', async () => {
    await optOuts.optOut(tenantId, 'sms', '+33611111111', { source: 'api' });
    await optOuts.optOut(tenantId, 'email', 'x@example.fr', { source: 'api' });
    await optOuts.optOut(tenantId, 'sms', '+33622222222', { source: 'api' });
    await optOuts.optOut(otherTenantId, 'sms', '+33633333333', { source: 'api' });
    const addresses = async (filter: Parameters<OptOutList['list']>[1]) => (await optOuts.list(tenantId, filter)).map((optOut) => optOut.address);
    expect(await addresses({ limit: 10 })).toEqual(['+33622222222', 'x@example.fr', '+33611111111']);
    expect(await addresses({ limit: 10, channel: 'sms' })).toEqual(['+33622222222', '+33611111111']);
    expect(await addresses({ limit: 10, address: '06 11 11 11 11' })).toEqual(['+33611111111']);
    const page = await optOuts.list(tenantId, { limit: 2 });
    expect(await addresses({ limit: 2, beforeSeq: page.at(-1)!.seq })).toEqual(['+33611111111']);
  });

  it('accepts plausible numbers in unknown ranges but refuses garbage', async () => {
    expect((await optOuts.optOut(tenantId, 'sms', '07 00 00 00 00', { source: 'api' })).optOut.address).toBe('+33700000000');
    await expect(optOuts.optOut(tenantId, 'sms', '06 12', { source: 'api' })).rejects.toBeInstanceOf(ContactInputError);
    await expect(optOuts.optOut(tenantId, 'email', 'nope', { source: 'api' })).rejects.toBeInstanceOf(ContactInputError);
    await expect(optOuts.optOut(tenantId, 'email', 'a@example.fr', { source: 'api', at: new Date(Date.now() + 3600_000) })).rejects.toBeInstanceOf(ContactInputError);
    expect(await optOuts.isOptedOut(tenantId, 'email', 'a@example.fr')).toBe(false);
  });
});
