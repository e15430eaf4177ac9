import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';

/** /v1/zapier over HTTP: what the Zapier app relies on beyond the end-to-end run of test/zapier-app.test.ts. */
describe('/v1/zapier', () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub('embedded', { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps hooks to their tenant and out of /v1/webhooks', async () => {
    const created = await t.api('/v1/zapier/hooks', { body: { target_url: 'http://127.0.0.1:9/hook', event_types: ['sms.received'] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^whk_/) });
    const other = await t.createTenant('other');
    expect((await t.api(`/v1/zapier/hooks/${created.body.id}`, { method: 'DELETE', apiKey: other.apiKey })).status).toBe(404);
    expect((await t.api('/v1/zapier/hooks', { apiKey: other.apiKey })).body).toEqual([]);
    expect((await t.api('/v1/webhooks')).body.items).toEqual([]);
    expect((await t.api('/v1/zapier/hooks')).body).toEqual([expect.objectContaining({ id: created.body.id, event_types: ['sms.received'] })]);
    expect((await t.api(`/v1/zapier/hooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/v1/zapier/hooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses unknown event types and bad target URLs with field errors', async () => {
    const bad = await t.api('/v1/zapier/hooks', { body: { target_url: 'ftp://example.com/x', event_types: ['nope'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.event_types.0', 'body.target_url']);
    const badFilters = await t.api('/v1/zapier/hooks', { body: { target_url: 'http://127.0.0.1:9/hook', event_types: ['*'], filters: { data: { list: { id: 1 } } } } });
    expect(badFilters.status).toBe(400);
    expect(badFilters.body.errors[0].path).toMatch(/^body\.filters\.data\.list/);
  });

  it('answers the catalog example for a tenant without events, and requires event_type for new-event', async () => {
    const samples = await t.api('/v1/zapier/samples/message-status');
    expect(samples.body.map((event: { type: string }) => event.type)).toEqual(['message.delivered', 'message.failed']);
    expect((await t.api('/v1/zapier/samples/new-event')).status).toBe(400);
    expect((await t.api('/v1/zapier/samples/unknown')).status).toBe(400);
  });

  it('lists the default senders in the senders dropdown', async () => {
    expect((await t.api('/v1/zapier/dropdowns/senders')).body).toEqual([]);
    const put = await t.api('/v1/sending/settings', { method: 'PUT', body: { defaultSender: { sms: 'MaBoutique', email: { email: 'shop@example.fr', name: 'Ma Boutique' } } } });
    expect(put.status).toBe(200);
    expect((await t.api('/v1/zapier/dropdowns/senders')).body).toEqual([
      { id: 'MaBoutique', name: 'SMS: MaBoutique' },
      { id: 'shop@example.fr', name: 'Email: Ma Boutique' },
    ]);
  });
});
