import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';

/** Phones as the sending API reads them where they are searched or come in: message filters and replies. */
describe.each(['embedded', 'postgres'] as const)('phones in the sending API (%s)', (mode) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(mode);
    expect((await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } })).status).toBe(200);
  });
  afterAll(async () => t?.close());

  it('finds messages by `to` in every form sending accepted, and refuses a non-number naming querystring.to', async () => {
    const sent = await t.api('/v1/messages/sms', { body: { to: '06 12 34 56 79', category: 'transactional', text: 'Votre colis arrive' } });
    expect(sent.status).toBe(201);
    for (const form of ['0612345679', '06 12 34 56 79', '+33612345679', '+33 6 12 34 56 79', '0033612345679']) {
      const listed = await t.api(`/v1/messages?to=${encodeURIComponent(form)}`);
      expect(listed.status, form).toBe(200);
      expect(listed.body.items.map((item: { id: string }) => item.id), form).toEqual([sent.body.id]);
    }
    expect((await t.api(`/v1/messages?to=${encodeURIComponent('+33612345679')}&channel=sms`)).body.items).toHaveLength(1);
    const invalid = await t.api('/v1/messages?to=12345');
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    expect(invalid.body.errors).toEqual([{ path: 'querystring.to', message: expect.stringContaining('"12345"') }]);
    // Emails are still matched case-insensitively.
    expect((await t.api('/v1/messages?to=Nobody@Example.com')).body.items).toEqual([]);
  });

  it('reads `to` in the tenant\'s region', async () => {
    const belgian = await t.createTenant('belgian');
    await t.hub.store.query(`UPDATE tenants SET settings = '{"phoneRegion": "BE"}'::jsonb WHERE id = $1`, [belgian.tenantId]);
    const sent = await t.api('/v1/messages/sms', { apiKey: belgian.apiKey, body: { to: '0470 12 34 56', category: 'transactional', text: 'Bonjour' } });
    expect(sent.body.to).toBe('+32470123456');
    expect((await t.api('/v1/messages?to=0470123456', { apiKey: belgian.apiKey })).body.items.map((item: { id: string }) => item.id)).toEqual([sent.body.id]);
  });

  it('answers a sandbox reply from a sender that is no phone number with 400 naming body.from, storing nothing', async () => {
    for (const from of ['12345', 'abc', '+12', '0612']) {
      const answer = await t.api('/v1/sandbox/inbound-sms', { body: { from, text: 'STOP' } });
      expect(answer.status, from).toBe(400);
      expect(answer.body.errors, from).toEqual([{ path: 'body.from', message: expect.stringContaining(from) }]);
    }
    const stored = await t.hub.store.query('SELECT 1 FROM inbound_sms WHERE tenant_id = $1', [t.tenantId]);
    expect(stored).toHaveLength(0);
    // National, spaced and international-digit forms are all a phone.
    for (const [from, e164] of [['06 98 76 54 31', '+33698765431'], ['0698765432', '+33698765432'], ['33698765433', '+33698765433']] as const) {
      const answer = await t.api('/v1/sandbox/inbound-sms', { body: { from, text: 'Merci' } });
      expect(answer.status, from).toBe(200);
      expect(answer.body.from).toBe(e164);
    }
  });

  it('keeps an MO with an opt-out keyword from a sender that is no phone number (a real provider\'s path): stored, published, no opt-out, no crash', async () => {
    const result = await t.hub.sending.sinkFor('sms').inbound(t.tenantId, { from: 'INFO', to: '36173', text: 'STOP', at: new Date(), providerMessageId: `weird-${mode}` });
    expect(result).toBeUndefined();
    const [row] = await t.hub.store.query<{ from_address: string; opt_out_keyword: string }>('SELECT from_address, opt_out_keyword FROM inbound_sms WHERE tenant_id = $1 AND provider_message_id = $2', [
      t.tenantId,
      `weird-${mode}`,
    ]);
    expect(row).toEqual({ from_address: 'INFO', opt_out_keyword: 'STOP' });
    const events = await t.api('/v1/events?type=sms.received&limit=50');
    const received = events.body.items.find((event: { data: { from: string } }) => event.data.from === 'INFO');
    expect(received.subject).toEqual({});
    expect((await t.api('/v1/opt-outs?channel=sms')).body.items).toEqual([]);
  });
});
