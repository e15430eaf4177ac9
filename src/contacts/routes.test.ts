import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';

describe.each(['embedded', 'postgres'] as const)('contacts API on %s', (mode) => {
  let t: TestHub;
  let other: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    t = await startTestHub(mode);
    other = await t.createTenant('other tenant');
  });
  afterAll(async () => t?.close());

  const expectProblem = (response: { status: number; headers: Headers; body: unknown }, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: `urn:hub:problem:${code}`, status });
  };

  describe('POST /v1/contacts (upsert)', () => {
    it('creates (201), then updates (200) the same contact, and publishes contact.created on the bus', async () => {
      const created = await t.api('/v1/contacts', {
        body: { phone: '06 12 34 56 78', email: 'Camille@Example.fr', firstName: 'Camille', externalIds: { woocommerce: '5501' }, consent: { sms: { status: 'granted', source: 'woocommerce-checkout' } } },
      });
      expect(created.status).toBe(201);
      const id = created.body.contact.id as string;
      expect(created.headers.get('location')).toBe(`/v1/contacts/${id}`);
      expect(created.body).toEqual({
        created: true,
        matchedBy: null,
        conflicts: [],
        contact: {
          id: expect.stringMatching(/^con_/),
          phone: '+33612345678',
          email: 'camille@example.fr',
          firstName: 'Camille',
          lastName: null,
          locale: null,
          timeZone: 'Europe/Paris',
          attributes: {},
          externalIds: { woocommerce: '5501' },
          consent: { sms: { status: 'granted', at: expect.any(String), source: 'woocommerce-checkout', proof: null }, email: null },
          optedOut: { sms: false, email: false },
          source: 'api',
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      });

      const updated = await t.api('/v1/contacts', { body: { externalIds: { woocommerce: '5501' }, lastName: 'Martin' } });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ created: false, matchedBy: 'externalId', contact: { id, lastName: 'Martin', phone: '+33612345678' } });

      const events = await t.api('/v1/events?type=contact.created');
      expect(events.body.items.filter((event: { data: { contactId?: string } }) => event.data.contactId === id)).toEqual([
        expect.objectContaining({ source: 'api', dedupeKey: `contact.created:${id}`, subject: { contactId: id, phone: '+33612345678', email: 'camille@example.fr' } }),
      ]);
    });

    it('answers 200 with the conflicts when identifiers belong to two contacts', async () => {
      const a = (await t.api('/v1/contacts', { body: { phone: '+33611000001' } })).body.contact;
      const b = (await t.api('/v1/contacts', { body: { email: 'conflict-b@example.fr' } })).body.contact;
      const response = await t.api('/v1/contacts', { body: { phone: '06 11 00 00 01', email: 'conflict-b@example.fr' } });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        matchedBy: 'phone',
        contact: { id: a.id, email: null },
        conflicts: [{ field: 'email', value: 'conflict-b@example.fr', reason: 'held-by-other-contact', contactId: b.id }],
      });
    });

    it('makes one contact out of concurrent requests for the same phone', async () => {
      const responses = await Promise.all(Array.from({ length: 20 }, () => t.api('/v1/contacts', { body: { phone: '+33 6 99 88 77 66' } })));
      expect(responses.map((response) => response.status).sort()).toEqual([...Array(19).fill(200), 201]);
      expect(new Set(responses.map((response) => response.body.contact.id)).size).toBe(1);
    });

    it.each([
      ['an invalid phone', { phone: '06 12' }, 'body.phone', /^"06 12" is not a valid phone number for region FR/],
      ['an invalid email', { email: 'camille@' }, 'body.email', /not a valid email address/],
      ['an invalid time zone', { email: 'tz@example.fr', timeZone: 'Europe/Lutece' }, 'body.timeZone', /not an IANA time zone/],
      ['an invalid locale', { email: 'tz@example.fr', locale: 'not a locale' }, 'body.locale', /BCP 47/],
      ['an unknown field', { email: 'u@example.fr', nickname: 'Cam' }, 'body', /nickname/],
      ['a wrong type', { email: 'u@example.fr', firstName: 42 }, 'body.firstName', /string/],
      ['attributes that are not an object', { email: 'u@example.fr', attributes: [1, 2] }, 'body.attributes', /object|record/i],
      ['too large attributes', { email: 'u@example.fr', attributes: { blob: 'x'.repeat(17_000) } }, 'body.attributes', /bytes/],
      ['no identifier', { firstName: 'Nobody' }, 'body', /at least a phone, an email or an external id/],
      ['a bad consent status', { email: 'u@example.fr', consent: { sms: { status: 'yes' } } }, 'body.consent.sms.status', /granted|withdrawn|option/i],
    ])('refuses %s with 400 and the field path', async (_name, body, path, message) => {
      const response = await t.api('/v1/contacts', { body });
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors).toContainEqual({ path, message: expect.stringMatching(message) });
    });

    it('reads national numbers in the tenant\'s phone region', async () => {
      const belgian = await t.createTenant('belgian shop');
      await t.hub.store.query(`UPDATE tenants SET settings = '{"phoneRegion": "BE"}'::jsonb WHERE id = $1`, [belgian.tenantId]);
      const response = await t.api('/v1/contacts', { body: { phone: '0470 12 34 56' }, apiKey: belgian.apiKey });
      expect(response.body.contact.phone).toBe('+32470123456');
      const refused = await t.api('/v1/contacts', { body: { phone: '0470 12 34' }, apiKey: belgian.apiKey });
      expect(refused.body.errors[0].message).toMatch(/for region BE/);
    });
  });

  describe('GET/PATCH/DELETE /v1/contacts/{id}', () => {
    it('reads, lists with filters and cursor, patches and erases', async () => {
      const created = (await t.api('/v1/contacts', { body: { phone: '+33612000001', firstName: 'Éloïse', lastName: 'Moreau', attributes: { tier: 'gold' } } })).body.contact;
      expect((await t.api(`/v1/contacts/${created.id}`)).body).toMatchObject({ id: created.id, firstName: 'Éloïse' });

      expect((await t.api('/v1/contacts?phone=06%2012%2000%2000%2001')).body.items.map((c: { id: string }) => c.id)).toEqual([created.id]);
      expect((await t.api('/v1/contacts?q=moreau')).body.items.map((c: { id: string }) => c.id)).toEqual([created.id]);
      const page = await t.api('/v1/contacts?limit=1');
      expect(page.body.items).toHaveLength(1);
      expect(page.body.nextCursor).toEqual(expect.any(String));
      const next = await t.api(`/v1/contacts?limit=1&cursor=${page.body.nextCursor}`);
      expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
      expectProblem(await t.api('/v1/contacts?phone=123'), 400, 'validation-failed');

      const patched = await t.api(`/v1/contacts/${created.id}`, { method: 'PATCH', body: { email: 'Eloise@Example.fr', lastName: null, attributes: { tier: null, city: 'Lyon' } } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ email: 'eloise@example.fr', lastName: null, attributes: { city: 'Lyon' } });

      const taken = (await t.api('/v1/contacts', { body: { email: 'taken@example.fr' } })).body.contact;
      const conflict = await t.api(`/v1/contacts/${taken.id}`, { method: 'PATCH', body: { phone: '+33612000001' } });
      expectProblem(conflict, 409, 'conflict');
      expect(conflict.body.errors).toEqual([{ path: 'body.phone', message: expect.stringContaining(created.id) }]);
      expectProblem(await t.api(`/v1/contacts/${taken.id}`, { method: 'PATCH', body: { timeZone: 'Paris' } }), 400, 'validation-failed');
      expectProblem(await t.api(`/v1/contacts/${taken.id}`, { method: 'PATCH', body: { id: 'con_x' } }), 400, 'validation-failed');

      expect((await t.api(`/v1/contacts/${created.id}`, { method: 'DELETE' })).status).toBe(204);
      expectProblem(await t.api(`/v1/contacts/${created.id}`), 404, 'not-found');
      expectProblem(await t.api(`/v1/contacts/${created.id}`, { method: 'DELETE' }), 404, 'not-found');
    });

    it('erasure keeps the opt-out of the erased contact\'s phone', async () => {
      const contact = (await t.api('/v1/contacts', { body: { phone: '+33612000002' } })).body.contact;
      expect((await t.api('/v1/opt-outs', { body: { channel: 'sms', address: '+33612000002', source: 'sms-keyword:STOP' } })).status).toBe(201);
      expect((await t.api(`/v1/contacts/${contact.id}`)).body.optedOut).toEqual({ sms: true, email: false });
      expect((await t.api(`/v1/contacts/${contact.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await t.api('/v1/opt-outs?address=%2B33612000002')).body.items).toEqual([expect.objectContaining({ address: '+33612000002', liftedAt: null })]);
      expect(await t.hub.contacts.optOuts.isOptedOut(t.tenantId, 'sms', '+33612000002')).toBe(true);
    });
  });

  describe('consent', () => {
    it('PUT records, answers the current status and GET lists the history', async () => {
      const contact = (await t.api('/v1/contacts', { body: { email: 'consent@example.fr' } })).body.contact;
      const granted = await t.api(`/v1/contacts/${contact.id}/consent/email`, {
        method: 'PUT',
        body: { status: 'granted', at: '2026-01-05T09:00:00+01:00', source: 'newsletter-form', proof: 'https://shop.example.fr/newsletter' },
      });
      expect(granted.status).toBe(200);
      expect(granted.body).toEqual({
        channel: 'email',
        current: { status: 'granted', at: '2026-01-05T08:00:00.000Z', source: 'newsletter-form', proof: 'https://shop.example.fr/newsletter' },
        optedOut: false,
      });
      const withdrawn = await t.api(`/v1/contacts/${contact.id}/consent/email`, { method: 'PUT', body: { status: 'withdrawn' } });
      expect(withdrawn.body.current).toMatchObject({ status: 'withdrawn', source: 'api' });
      const history = await t.api(`/v1/contacts/${contact.id}/consent?channel=email`);
      expect(history.body.items.map((record: { status: string }) => record.status)).toEqual(['withdrawn', 'granted']);
      expect((await t.api(`/v1/contacts/${contact.id}`)).body.consent).toMatchObject({ email: { status: 'withdrawn' }, sms: null });

      expectProblem(await t.api(`/v1/contacts/${contact.id}/consent/fax`, { method: 'PUT', body: { status: 'granted' } }), 400, 'validation-failed');
      expectProblem(await t.api(`/v1/contacts/${contact.id}/consent/sms`, { method: 'PUT', body: { status: 'granted', at: 'yesterday' } }), 400, 'validation-failed');
      expectProblem(await t.api('/v1/contacts/con_unknown/consent/sms', { method: 'PUT', body: { status: 'granted' } }), 404, 'not-found');
      const future = await t.api(`/v1/contacts/${contact.id}/consent/sms`, { method: 'PUT', body: { status: 'granted', at: '2999-01-01T00:00:00Z' } });
      expectProblem(future, 400, 'validation-failed');
      expect(future.body).toMatchObject({ errors: [{ path: 'body.at', message: expect.stringMatching(/future/) }] });
    });
  });

  describe('opt-outs', () => {
    it('POST opts out (201, then 200 when repeated), GET lists, DELETE lifts and keeps the record', async () => {
      const contact = (await t.api('/v1/contacts', { body: { phone: '+33612000003', consent: { sms: { status: 'granted' } } } })).body.contact;
      const first = await t.api('/v1/opt-outs', { body: { channel: 'sms', address: '06 12 00 00 03', source: 'sms-keyword:STOP', reason: 'STOP' } });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ created: true, optOut: { channel: 'sms', address: '+33612000003', source: 'sms-keyword:STOP', reason: 'STOP', liftedAt: null } });
      expect((await t.api('/v1/opt-outs', { body: { channel: 'sms', address: '+33612000003', source: 'sms-keyword:STOP' } })).status).toBe(200);
      expect((await t.api(`/v1/contacts/${contact.id}`)).body).toMatchObject({ consent: { sms: { status: 'withdrawn' } }, optedOut: { sms: true } });

      const unsubscribed = (await t.api('/v1/events?type=contact.unsubscribed')).body.items.filter((event: { data: { address?: string } }) => event.data.address === '+33612000003');
      expect(unsubscribed).toHaveLength(1);
      expect(unsubscribed[0]).toMatchObject({ subject: { contactId: contact.id, phone: '+33612000003' }, data: { channel: 'sms', via: 'sms-keyword:STOP' } });

      expect((await t.api('/v1/opt-outs?channel=sms')).body.items.map((o: { address: string }) => o.address)).toContain('+33612000003');
      expect((await t.api('/v1/opt-outs/sms/%2B33612000003', { method: 'DELETE' })).status).toBe(204);
      expectProblem(await t.api('/v1/opt-outs/sms/%2B33612000003', { method: 'DELETE' }), 404, 'not-found');
      expect((await t.api('/v1/opt-outs?address=%2B33612000003')).body.items).toEqual([]);
      expect((await t.api('/v1/opt-outs?address=%2B33612000003&includeLifted=true')).body.items).toEqual([
        expect.objectContaining({ liftedAt: expect.any(String), liftedSource: 'api' }),
      ]);
    });

    it('records a STOP from an unknown address and refuses bad input', async () => {
      expect((await t.api('/v1/opt-outs', { body: { channel: 'email', address: 'Unknown@Example.fr' } })).body.optOut).toMatchObject({ address: 'unknown@example.fr', source: 'api' });
      const badPhone = await t.api('/v1/opt-outs', { body: { channel: 'sms', address: '06 12' } });
      expectProblem(badPhone, 400, 'validation-failed');
      expect(badPhone.body.errors).toEqual([{ path: 'body.address', message: expect.stringMatching(/^"06 12" is not a valid phone number for region FR/) }]);
      expectProblem(await t.api('/v1/opt-outs', { body: { channel: 'pigeon', address: 'x' } }), 400, 'validation-failed');
      expectProblem(await t.api('/v1/opt-outs', { body: { channel: 'email', address: 'x@example.fr', extra: 1 } }), 400, 'validation-failed');
      expectProblem(await t.api('/v1/opt-outs/email/not-an-email', { method: 'DELETE' }), 400, 'validation-failed');
    });
  });

  describe('lists', () => {
    it('creates, lists, adds and removes members idempotently, pages members, deletes', async () => {
      const list = await t.api('/v1/lists', { body: { name: 'VIP', description: 'Clients fidèles' } });
      expect(list.status).toBe(201);
      expect(list.body).toMatchObject({ id: expect.stringMatching(/^lst_/), name: 'VIP', memberCount: 0 });
      expectProblem(await t.api('/v1/lists', { body: { name: 'vip' } }), 409, 'conflict');
      expectProblem(await t.api('/v1/lists', { body: { name: '' } }), 400, 'validation-failed');

      const a = (await t.api('/v1/contacts', { body: { phone: '+33612000010' } })).body.contact;
      const b = (await t.api('/v1/contacts', { body: { phone: '+33612000011' } })).body.contact;
      for (const contact of [a, b, a]) expect((await t.api(`/v1/lists/${list.body.id}/members/${contact.id}`, { method: 'PUT' })).status).toBe(204);
      expect((await t.api(`/v1/lists/${list.body.id}`)).body.memberCount).toBe(2);
      const page = await t.api(`/v1/lists/${list.body.id}/members?limit=1`);
      expect(page.body.items.map((c: { id: string }) => c.id)).toEqual([b.id]);
      expect((await t.api(`/v1/lists/${list.body.id}/members?limit=1&cursor=${page.body.nextCursor}`)).body).toMatchObject({ items: [{ id: a.id }], nextCursor: null });
      expect((await t.api(`/v1/contacts?list=${list.body.id}`)).body.items.map((c: { id: string }) => c.id)).toEqual([b.id, a.id]);
      expect((await t.api(`/v1/contacts/${a.id}/lists`)).body.items.map((l: { name: string }) => l.name)).toEqual(['VIP']);
      expect((await t.api('/v1/lists')).body.items.map((l: { id: string }) => l.id)).toContain(list.body.id);

      for (let i = 0; i < 2; i++) expect((await t.api(`/v1/lists/${list.body.id}/members/${a.id}`, { method: 'DELETE' })).status).toBe(204);
      expectProblem(await t.api(`/v1/lists/${list.body.id}/members/con_missing`, { method: 'PUT' }), 404, 'not-found');
      expect((await t.api(`/v1/lists/${list.body.id}`, { method: 'DELETE' })).status).toBe(204);
      expectProblem(await t.api(`/v1/lists/${list.body.id}`), 404, 'not-found');
      expectProblem(await t.api(`/v1/lists/${list.body.id}/members`), 404, 'not-found');
    });
  });

  describe('tenant isolation', () => {
    it('another tenant cannot read, change, erase or use a contact or list: 404, and nothing changes', async () => {
      const contact = (await t.api('/v1/contacts', { body: { phone: '+33612000020', firstName: 'Privée' } })).body.contact;
      const list = (await t.api('/v1/lists', { body: { name: 'Isolation' } })).body;
      await t.api(`/v1/lists/${list.id}/members/${contact.id}`, { method: 'PUT' });
      const theirContact = (await t.api('/v1/contacts', { body: { phone: '+33612000020' }, apiKey: other.apiKey })).body;
      expect(theirContact.created).toBe(true);
      expect(theirContact.contact.id).not.toBe(contact.id);
      const theirList = (await t.api('/v1/lists', { body: { name: 'Theirs' }, apiKey: other.apiKey })).body;

      const asOther = (path: string, init: { method?: string; body?: unknown } = {}) => t.api(path, { ...init, apiKey: other.apiKey });
      for (const [path, init] of [
        [`/v1/contacts/${contact.id}`, {}],
        [`/v1/contacts/${contact.id}`, { method: 'PATCH', body: { firstName: 'Volée' } }],
        [`/v1/contacts/${contact.id}`, { method: 'DELETE' }],
        [`/v1/contacts/${contact.id}/consent/sms`, { method: 'PUT', body: { status: 'granted' } }],
        [`/v1/contacts/${contact.id}/consent`, {}],
        [`/v1/contacts/${contact.id}/lists`, {}],
        [`/v1/lists/${list.id}`, {}],
        [`/v1/lists/${list.id}`, { method: 'DELETE' }],
        [`/v1/lists/${list.id}/members`, {}],
        [`/v1/lists/${list.id}/members/${contact.id}`, { method: 'DELETE' }],
        [`/v1/lists/${list.id}/members/${theirContact.contact.id}`, { method: 'PUT' }],
        [`/v1/lists/${theirList.id}/members/${contact.id}`, { method: 'PUT' }],
      ] as const) {
        const response = await asOther(path, init);
        expect(response.status, `${init.method ?? 'GET'} ${path}`).toBe(404);
        expect(JSON.stringify(response.body)).not.toContain('Privée');
      }
      expect((await asOther(`/v1/contacts?list=${list.id}`)).body.items).toEqual([]);
      expect((await asOther('/v1/contacts?q=Priv')).body.items).toEqual([]);

      const mine = await t.api(`/v1/contacts/${contact.id}`);
      expect(mine.body).toMatchObject({ firstName: 'Privée', consent: { sms: null } });
      expect((await t.api(`/v1/lists/${list.id}`)).body.memberCount).toBe(1);

      await asOther('/v1/opt-outs', { body: { channel: 'sms', address: '+33612000020' } });
      expect((await t.api(`/v1/contacts/${contact.id}`)).body.optedOut.sms).toBe(false);
      expect((await t.api('/v1/opt-outs?address=%2B33612000020')).body.items).toEqual([]);
    });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await t.api('/docs/json', { apiKey: null });
    for (const path of ['/v1/contacts', '/v1/contacts/{id}', '/v1/contacts/{id}/consent/{channel}', '/v1/opt-outs', '/v1/opt-outs/{channel}/{address}', '/v1/lists', '/v1/lists/{id}/members/{contactId}']) {
      expect(doc.body.paths, path).toHaveProperty([path]);
    }
  });
});
