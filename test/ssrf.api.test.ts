/**
 * SSRF through the API: every place a tenant gives the hub a host (connector installs, provider
 * settings, webhooks, Zapier hooks) refuses every spelling of a loopback address, and nothing
 * reaches a local listener; a name that resolves to loopback is refused when connecting.
 * The hub runs with the default HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=false.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmppProvider } from '../src/sending/providers/smpp/smpp-provider.ts';
import { SmppSettingsSchema } from '../src/sending/providers/smpp/smpp-settings.ts';
import { createSmtpProvider } from '../src/sending/providers/smtp/smtp-provider.ts';
import { resolveSmtpConfig, SmtpSettingsSchema } from '../src/sending/providers/smtp/smtp-settings.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { LOOPBACK_SPELLINGS, startTripwireListener, urlHost, type TripwireListener } from './support/tripwire-listener.ts';

const REFUSED = /address; the hub connects only to public addresses .*HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true/;
const refuse = { allowPrivateTargets: false };
const wooKeys = { consumerKey: `ck_${'a'.repeat(40)}`, consumerSecret: `cs_${'b'.repeat(40)}` };

let t: TestHub;
let listener: TripwireListener;
beforeAll(async () => {
  listener = await startTripwireListener();
  t = await startTestHub('embedded');
});
afterAll(async () => {
  await t?.close();
  await listener?.close();
});

describe.each(LOOPBACK_SPELLINGS)('the host %s', (host) => {
  const url = (path = '') => `http://${urlHost(host)}:${listener.port}${path}`;

  it('is refused as a WooCommerce store, naming storeUrl', async () => {
    const answer = await t.api('/v1/connectors/woocommerce/installations', { body: { storeUrl: url(), ...wooKeys } });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ path: 'body.storeUrl', message: expect.stringMatching(REFUSED) }]);
    expect((await t.api('/v1/connectors/woocommerce/installations')).body.items ?? []).toEqual([]);
  });

  it('is refused as the SMPP upstream host, naming settings.host, and the sandbox stays', async () => {
    const answer = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'smpp', settings: { host, port: listener.port, systemId: 'hub' }, secrets: { password: 'secret' } } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'body.settings.host', message: expect.stringMatching(REFUSED) }]);
    expect((await t.api('/v1/sending/providers/sms')).body).toMatchObject({ kind: 'sandbox' });
  });

  it('is refused as the SMTP relay host, naming settings.host', async () => {
    const answer = await t.api('/v1/sending/providers/email', { method: 'PUT', body: { kind: 'smtp', settings: { host, port: listener.port, security: 'none' } } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'body.settings.host', message: expect.stringMatching(REFUSED) }]);
    expect((await t.api('/v1/sending/providers/email')).body).toMatchObject({ kind: 'sandbox' });
  });

  it('is refused as a webhook URL, naming url', async () => {
    const answer = await t.api('/v1/webhooks', { body: { url: url('/hook'), eventTypes: ['*'] } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'body.url', message: expect.stringMatching(REFUSED) }]);
  });

  it('is refused as a Zapier hook, naming target_url', async () => {
    const answer = await t.api('/v1/zapier/hooks', { body: { target_url: url('/hook'), event_types: ['*'] } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'body.target_url', message: expect.stringMatching(REFUSED) }]);
  });

  it('is refused when a stored webhook points there (saved before this check, or by another hub version)', async () => {
    const created = await t.api('/v1/webhooks', { body: { url: 'https://93.184.216.34/hooks', eventTypes: ['custom.ssrf'] } });
    await t.hub.store.query('UPDATE webhook_subscriptions SET url = $1 WHERE id = $2', [url('/hook'), created.body.id]);
    const ping = await t.api(`/v1/webhooks/${created.body.id}/test`, { method: 'POST' });
    expect(ping.body).toMatchObject({ delivered: false, statusCode: null, error: expect.stringMatching(REFUSED) });
  });

  it('was never connected to', () => {
    expect(listener.connections).toBe(0);
  });
});

describe('a name that resolves to loopback (localhost) is refused when connecting', () => {
  it('as a WooCommerce store: the install\'s first request is refused, naming storeUrl', async () => {
    const answer = await t.api('/v1/connectors/woocommerce/installations', { body: { storeUrl: `http://localhost:${listener.port}`, ...wooKeys } });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ path: 'body.storeUrl', message: expect.stringMatching(/localhost resolves to .* loopback address/) }]);
  });

  it('as provider settings (resolved when saved)', async () => {
    const answer = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'smpp', settings: { host: 'localhost', port: listener.port, systemId: 'hub' }, secrets: { password: 'secret' } } });
    expect(answer.body.errors).toEqual([{ path: 'body.settings.host', message: expect.stringMatching(/localhost resolves to .* loopback address/) }]);
  });

  it('by the SMPP upstream: the bind never connects and says why', async () => {
    const settings = SmppSettingsSchema.parse({ host: 'localhost', port: listener.port, systemId: 'hub', reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    const sink = { receipt: async () => {}, inbound: async () => {} };
    const provider = createSmppProvider({ settings, password: 'secret', tenantId: 'ten_ssrf', network: refuse, sink, log: pino({ level: 'silent' }) });
    try {
      await expect.poll(() => provider.status().binds[0]?.lastError).toMatch(/cannot connect to localhost:\d+: The host localhost resolves to .* loopback address/);
    } finally {
      await provider.close();
    }
  });

  it('by the SMTP relay: nothing is connected and the reason names the guard', async () => {
    const provider = createSmtpProvider(resolveSmtpConfig(SmtpSettingsSchema.parse({ host: 'localhost', port: listener.port, security: 'none' }), undefined), { network: refuse });
    try {
      expect(await provider.verify()).toEqual({ ok: false, reason: expect.stringMatching(/the hub may not connect to the SMTP host \(The host localhost resolves to .* loopback address/) });
    } finally {
      await provider.close();
    }
  });

  it('was never connected to', () => {
    expect(listener.connections).toBe(0);
  });
});
