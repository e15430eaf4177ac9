import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { testStores } from '../../test/support/stores.ts';
import { ContactService } from './contacts.ts';
import { ListNameTakenError } from './errors.ts';
import { ContactLists } from './lists.ts';
import { RecordingPublisher } from './test-support.ts';

describe.each(testStores)('contact lists on $kind', (factory) => {
  let store: Store;
  let tenantId: string;
  let otherTenantId: string;
  let contacts: ContactService;
  let lists: ContactLists;

  beforeAll(async () => {
    store = await factory.open();
  });
  afterAll(async () => store?.close());
  beforeEach(async () => {
    tenantId = (await createTenant(store, 'shop')).id;
    otherTenantId = (await createTenant(store, 'other shop')).id;
    contacts = new ContactService(store, new RecordingPublisher());
    lists = new ContactLists(store);
  });

  it('creates lists with unique names per tenant (case-insensitive)', async () => {
    const vip = await lists.create(tenantId, { name: 'VIP', description: 'Clients fidèles' });
    expect(vip).toMatchObject({ id: expect.stringMatching(/^lst_/), name: 'VIP', description: 'Clients fidèles', memberCount: 0 });
    await expect(lists.create(tenantId, { name: 'vip' })).rejects.toBeInstanceOf(ListNameTakenError);
    expect((await lists.create(otherTenantId, { name: 'VIP' })).id).not.toBe(vip.id);
    expect(await lists.get(otherTenantId, vip.id)).toBeUndefined();
    const second = await lists.create(tenantId, { name: 'Newsletter' });
    expect((await lists.list(tenantId, { limit: 10 })).map((list) => list.id)).toEqual([second.id, vip.id]);
    expect((await lists.list(tenantId, { limit: 10, beforeSeq: second.seq })).map((list) => list.id)).toEqual([vip.id]);
  });

  it('adds and removes members idempotently and pages through them', async () => {
    const list = await lists.create(tenantId, { name: 'VIP' });
    const a = (await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api')).contact;
    const b = (await contacts.upsertContact(tenantId, { phone: '+33622222222' }, 'api')).contact;
    const c = (await contacts.upsertContact(tenantId, { phone: '+33633333333' }, 'api')).contact;
    expect(await lists.addMember(tenantId, list.id, a.id)).toBe('added');
    expect(await lists.addMember(tenantId, list.id, a.id)).toBe('already-member');
    expect(await lists.addMember(tenantId, list.id, b.id)).toBe('added');
    expect(await lists.addMember(tenantId, list.id, c.id)).toBe('added');
    expect((await lists.get(tenantId, list.id))!.memberCount).toBe(3);

    const page = await lists.members(tenantId, list.id, { limit: 2 });
    expect(page!.map((contact) => contact.id)).toEqual([c.id, b.id]);
    expect((await lists.members(tenantId, list.id, { limit: 2, beforeSeq: page!.at(-1)!.seq }))!.map((contact) => contact.id)).toEqual([a.id]);

    expect(await lists.removeMember(tenantId, list.id, b.id)).toBe('removed');
    expect(await lists.removeMember(tenantId, list.id, b.id)).toBe('not-member');
    expect((await lists.listsOf(tenantId, a.id)).map((entry) => entry.name)).toEqual(['VIP']);
    expect(await lists.listsOf(tenantId, b.id)).toEqual([]);
  });

  it('never crosses tenants: another tenant\'s list or contact is not found', async () => {
    const mine = await lists.create(tenantId, { name: 'VIP' });
    const theirs = await lists.create(otherTenantId, { name: 'VIP' });
    const myContact = (await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api')).contact;
    const theirContact = (await contacts.upsertContact(otherTenantId, { phone: '+33611111111' }, 'api')).contact;
    expect(await lists.addMember(tenantId, mine.id, theirContact.id)).toBe('not-found');
    expect(await lists.addMember(tenantId, theirs.id, myContact.id)).toBe('not-found');
    expect(await lists.addMember(otherTenantId, mine.id, myContact.id)).toBe('not-found');
    expect(await lists.removeMember(otherTenantId, mine.id, myContact.id)).toBe('not-found');
    expect(await lists.members(otherTenantId, mine.id, { limit: 10 })).toBeUndefined();
    expect(await lists.delete(otherTenantId, mine.id)).toBe(false);
    expect(await lists.get(tenantId, mine.id)).toBeDefined();
  });

  it('deleting a list keeps its contacts', async () => {
    const list = await lists.create(tenantId, { name: 'VIP' });
    const a = (await contacts.upsertContact(tenantId, { phone: '+33611111111' }, 'api')).contact;
    await lists.addMember(tenantId, list.id, a.id);
    expect(await lists.delete(tenantId, list.id)).toBe(true);
    expect(await lists.get(tenantId, list.id)).toBeUndefined();
    expect(await contacts.getContact(tenantId, a.id)).toBeDefined();
    expect(await lists.listsOf(tenantId, a.id)).toEqual([]);
  });
});
