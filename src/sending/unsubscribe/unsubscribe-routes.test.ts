import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { buildGateway } from '../../gateway/app.ts';
import { authenticateApiKey } from '../../tenancy/api-keys.ts';
import { createUnsubscribeLink } from './list-unsubscribe.ts';
import { unsubscribeRouteModule } from './unsubscribe-routes.ts';
import { createUnsubscribeTokens } from './unsubscribe-token.ts';

/**
 * The one-click route on a live hub (store, bus, contacts): the hub's own gateway does not list
 * this module (the pipeline wires it), so it is mounted here on a gateway built the same way, over
 * the hub's store and contacts module. Requests carry no cookie and no API key, as RFC 8058 says.
 */
describe.each(['embedded', 'postgres'] as const)('one-click unsubscribe on a live %s hub', (mode) => {
  const tokens = createUnsubscribeTokens(randomBytes(32));
  let testHub: TestHub;
  let gateway: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    testHub = await startTestHub(mode);
    gateway = await buildGateway({
      logger: pino({ level: 'silent' }),
      authenticateApiKey: (key) => authenticateApiKey(testHub.hub.store, key),
      publicUrl: 'http://127.0.0.1',
      version: 'test',
      bodyLimitBytes: 1024 * 1024,
      readiness: [],
      routes: [unsubscribeRouteModule({ tokens, optOuts: testHub.hub.contacts.optOuts })],
    });
    base = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await testHub?.close();
  });

  const linkFor = (tenantId: string, address: string, messageId = 'k3J9aQ2xZp') => createUnsubscribeLink({ tokens, tenantId, messageId, address, publicUrl: base });
  const unsubscribedEvents = async (apiKey?: string) =>
    ((await testHub.api('/v1/events?type=contact.unsubscribed', apiKey ? { apiKey } : {})).body as { items: { subject: Record<string, string>; data: Record<string, string> }[] }).items;
  const oneClick = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

  it('shows a confirmation page on GET and records nothing (link scanners fetch every URL)', async () => {
    const address = 'scanned@example.fr';
    const { url } = linkFor(testHub.tenantId, address);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain(`<form method="post" action="${url.slice(url.lastIndexOf('/') + 1)}">`);
    expect(html).toContain('s••••••@example.fr');
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', address)).toBe(false);
    expect((await unsubscribedEvents()).filter((event) => event.data.address === address)).toEqual([]);
  });

  it('opts the contact out on the RFC 8058 POST, withdraws consent, publishes contact.unsubscribed once, and stays idempotent', async () => {
    const address = 'camille.martin@example.fr';
    const { contact } = await testHub.hub.contacts.contacts.upsertContact(testHub.tenantId, { email: address, consent: { email: { status: 'granted' } } }, 'api');
    const { url, headers } = linkFor(testHub.tenantId, 'Camille.Martin@example.fr', 'Msg0000001');
    expect(headers['List-Unsubscribe']).toBe(`<${url}>`);

    const first = await oneClick(url);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Désinscription enregistrée');
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', address)).toBe(true);
    const optOut = await testHub.hub.contacts.optOuts.find(testHub.tenantId, 'email', address);
    expect(optOut).toMatchObject({ source: 'email-one-click', reason: 'unsubscribe link of message Msg0000001' });
    expect(await testHub.hub.contacts.contacts.consentOf(testHub.tenantId, contact.id, 'email')).toMatchObject({ status: 'withdrawn', source: 'email-one-click' });

    const again = await oneClick(url);
    expect(again.status).toBe(200);
    const events = (await unsubscribedEvents()).filter((event) => event.data.address === address);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subject: { contactId: contact.id, email: address }, data: { channel: 'email', address, via: 'email-one-click' } });
  });

  it('takes the POST as multipart/form-data (the encoding RFC 8058 recommends) and from the page button', async () => {
    const multipart = linkFor(testHub.tenantId, 'multipart@example.fr').url;
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    expect((await fetch(multipart, { method: 'POST', body: form })).status).toBe(200);
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', 'multipart@example.fr')).toBe(true);

    // The confirmation page's form posts to its relative action: resolve it as a browser would.
    const page = linkFor(testHub.tenantId, 'button@example.fr').url;
    const action = /<form method="post" action="([^"]+)">/.exec(await (await fetch(page)).text())![1]!;
    const response = await fetch(new URL(action, page), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(response.status).toBe(200);
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', 'button@example.fr')).toBe(true);
  });

  it('takes the long links of long addresses (past the router\'s 100-character parameter limit)', async () => {
    const address = `${'a'.repeat(64)}@${'sous-domaine.'.repeat(8)}example.fr`;
    const { url } = linkFor(testHub.tenantId, address);
    expect(url.length - url.lastIndexOf('/')).toBeGreaterThan(250);
    expect((await fetch(url)).status).toBe(200);
    expect((await oneClick(url)).status).toBe(200);
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', address)).toBe(true);
  });

  it('refuses forged and altered links with 404 and records nothing', async () => {
    const address = 'forged@example.fr';
    const { url } = linkFor(testHub.tenantId, address);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const bytes = Buffer.from(token, 'base64url');
    bytes[20]! ^= 1;
    const other = createUnsubscribeTokens(randomBytes(32)).sign({ tenantId: testHub.tenantId, channel: 'email', address, messageId: 'k3J9aQ2xZp' });
    for (const bad of [bytes.toString('base64url'), token.slice(0, -2), other, 'x', 'camille@example.fr']) {
      const post = await oneClick(`${base}/unsubscribe/${encodeURIComponent(bad)}`);
      expect(post.status).toBe(404);
      expect(post.headers.get('content-type')).toContain('application/problem+json');
      expect((await post.json()) as object).toMatchObject({ type: 'urn:hub:problem:not-found', detail: expect.stringContaining('Nothing was recorded') });
      const get = await fetch(`${base}/unsubscribe/${encodeURIComponent(bad)}`);
      expect(get.status).toBe(404);
      expect(await get.text()).toContain('Lien de désinscription invalide');
    }
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', address)).toBe(false);
  });

  it('answers 400 for a genuine link whose address the opt-out list refuses, and records nothing', async () => {
    const token = tokens.sign({ tenantId: testHub.tenantId, channel: 'sms', address: 'not a phone', messageId: 'k3J9aQ2xZp' });
    const response = await oneClick(`${base}/unsubscribe/${token}`);
    expect(response.status).toBe(400);
    expect((await response.json()) as object).toMatchObject({ detail: expect.stringContaining('cannot be recorded') });
    expect(await testHub.hub.contacts.optOuts.list(testHub.tenantId, { channel: 'sms', limit: 10 })).toEqual([]);
  });

  it('opts out in the tenant of the link only', async () => {
    const other = await testHub.createTenant('other tenant');
    const address = 'shared@example.fr';
    expect((await oneClick(linkFor(other.tenantId, address).url)).status).toBe(200);
    expect(await testHub.hub.contacts.optOuts.isOptedOut(other.tenantId, 'email', address)).toBe(true);
    expect(await testHub.hub.contacts.optOuts.isOptedOut(testHub.tenantId, 'email', address)).toBe(false);
    expect((await unsubscribedEvents(other.apiKey)).map((event) => event.data.address)).toEqual([address]);
    expect((await unsubscribedEvents()).filter((event) => event.data.address === address)).toEqual([]);
  });
});
