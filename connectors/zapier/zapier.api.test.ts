import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { waitFor } from '../../test/support/wait.ts';

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

  it("keeps a hook's delivery log, every attempt in it; a failed delivery is redelivered through the event's endpoint", async () => {
    let answer = 400;
    const receiver = createServer((request, response) => request.resume().on('end', () => response.writeHead(answer).end())).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    try {
      t.hub.zapier.tune({ refusedAttempts: 1 });
      const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/catch`;
      const hook = (await t.api('/v1/zapier/hooks', { body: { target_url: url, event_types: ['custom.zap_log'] } })).body.id as string;
      expect((await t.api(`/v1/zapier/hooks/${hook}/deliveries`)).body).toEqual({ items: [], nextCursor: null });
      const event = (await t.api('/v1/events', { body: { type: 'custom.zap_log', data: { n: 1 } } })).body.id as string;
      const failed = await waitFor(async () => {
        const [delivery] = (await t.api(`/v1/zapier/hooks/${hook}/deliveries`)).body.items;
        return delivery?.status === 'failed' && delivery;
      }, 'the failed delivery');
      expect(failed).toMatchObject({ eventId: event, eventType: 'custom.zap_log', attempts: [{ outcome: 'gave_up', statusCode: 400 }] });
      answer = 200;
      expect((await t.api(`/v1/events/${event}/deliveries/${failed.id}/redeliver`, { method: 'POST' })).status).toBe(202);
      const log = await waitFor(async () => {
        const page = (await t.api(`/v1/zapier/hooks/${hook}/deliveries?status=succeeded`)).body;
        return page.items.length === 1 && page;
      }, 'the redelivery');
      expect(log.items[0].attempts.map((attempt: { outcome: string }) => attempt.outcome)).toEqual(['gave_up', 'delivered']);
      const other = await t.createTenant('zap-log-other');
      expect((await t.api(`/v1/zapier/hooks/${hook}/deliveries`, { apiKey: other.apiKey })).status).toBe(404);
      expect((await t.api('/v1/zapier/hooks/whk_nope/deliveries')).status).toBe(404);
      expect((await t.api(`/v1/zapier/hooks/${hook}`, { method: 'DELETE' })).status).toBe(204);
    } finally {
      receiver.close();
    }
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
