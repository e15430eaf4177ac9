/**
 * Connector subscriptions on a live hub: a small connector consuming `custom.ping` gets one bus delivery per live
 * installation of the event's tenant (none for another tenant's, an uninstalled one's, or another type); its outcomes
 * become the delivery's (done → succeeded, retry and a system down → pending with the error, a refusal → failed);
 * its handler sees the installation's settings, memory and the hub's ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { waitFor } from '../../test/support/wait.ts';
import { defineConnector } from './connector.ts';
import { ExternalSystemError } from './external-error.ts';
import { defineManifest } from './manifest.ts';

/** What the handler saw: installation, tenant, the memory count for the event's key, the hub contact it read. */
const seen: { installationId: string; tenantId: string; label: string; count: number; contactPhone: string | null | undefined }[] = [];

const echo = defineConnector({
  manifest: defineManifest({
    id: 'echo',
    name: 'Echo',
    description: 'A connector consuming custom.ping, for the subscription tests.',
    auth: 'api-key',
    installInput: z.object({ account: z.string().min(1) }).strict(),
    settings: z.object({ label: z.string().default('echo') }).strict(),
    credentials: z.object({}).strict(),
    emits: [],
    docs: 'docs/connectors/contract.md',
  }),
  accountOf: (input) => input.account,
  prepare: async (input) => ({ account: input.account, settings: { label: `echo ${input.account}` }, credentials: {} }),
  reconcile: async () => ({ changes: [] }),
  uninstall: async () => ({ changes: [] }),
  remoteResources: () => [],
  async routes() {},
  handle: async () => ({ status: 'ignored', events: [] }),
  actions: [],
  subscription: {
    events: ['custom.ping'],
    async handle(event, ctx) {
      const key = `ping:${String(event.data.key)}`;
      const count = ((await ctx.memory.get<number>(key)) ?? 0) + 1;
      await ctx.memory.set(key, count);
      const contact = event.subject.contactId ? await ctx.hub.contact(event.subject.contactId) : undefined;
      seen.push({ installationId: ctx.installation.id, tenantId: ctx.installation.tenantId, label: ctx.settings.label, count, contactPhone: contact?.phone });
      switch (event.data.mode) {
        case 'retry':
          return { status: 'retry', note: 'not ready yet' };
        case 'down':
          throw new ExternalSystemError('server', 'Echo is down (HTTP 503).', { status: 503 });
        case 'refused':
          throw new ExternalSystemError('refused', 'Echo refused the ping.', { status: 400 });
        default:
          return { status: 'done' };
      }
    },
  },
});

describe('connector subscriptions (the `connector` subscriber source)', () => {
  let hub: TestHub;
  let other: { tenantId: string; apiKey: string };
  const ids: Record<string, string> = {};

  const install = async (account: string, apiKey?: string) => {
    const installed = await hub.api('/v1/connectors/echo/installations', { body: { account }, ...(apiKey ? { apiKey } : {}) });
    expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    return installed.body.installation.id as string;
  };
  const ping = async (data: Record<string, unknown>, type = 'custom.ping', apiKey?: string) => {
    const published = await hub.api('/v1/events', { body: { type, data }, ...(apiKey ? { apiKey } : {}) });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    return published.body.id as string;
  };
  const deliveries = (eventId: string) =>
    hub.hub.store.query<{ subscriber: string; status: string; attempts: number; last_error: string | null }>(
      `SELECT subscriber, status, attempts, last_error FROM event_deliveries WHERE event_id = $1 AND subscriber LIKE 'connector:%' ORDER BY subscriber`,
      [eventId],
    );
  const settledOnce = (eventId: string, count: number) => waitFor(async () => {
    const rows = await deliveries(eventId);
    return rows.length === count && rows.every((row) => row.attempts >= 1 && (row.status !== 'pending' || row.last_error !== null)) && rows;
  }, `the deliveries of ${eventId}`);

  beforeAll(async () => {
    hub = await startTestHub('embedded', {}, { hub: { extraConnectors: [echo] } });
    other = await hub.createTenant('other');
    ids.a = await install('a');
    ids.b = await install('b');
    ids.gone = await install('gone');
    expect((await hub.api(`/v1/connectors/echo/installations/${ids.gone}`, { method: 'DELETE' })).status).toBe(200);
    ids.other = await install('x', other.apiKey);
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('lists the consumed types; one delivery per live installation of the tenant, none for other types', async () => {
    expect((await hub.api('/v1/connectors/echo')).body.consumes).toEqual(['custom.ping']);
    const contact = await hub.api('/v1/contacts', { body: { phone: '+33612345678' } });
    const eventId = await hub.api('/v1/events', { body: { type: 'custom.ping', subject: { contactId: contact.body.contact.id }, data: { key: 'k1' } } }).then((answer) => answer.body.id as string);
    const rows = await settledOnce(eventId, 2);
    expect(rows.map((row) => [row.subscriber, row.status])).toEqual([`connector:${ids.a}`, `connector:${ids.b}`].sort().map((subscriber) => [subscriber, 'succeeded']));
    expect(seen.filter((entry) => entry.tenantId !== seen[0]!.tenantId)).toEqual([]);
    expect(seen.map((entry) => entry.label).sort()).toEqual(['echo a', 'echo b']);
    expect(seen.every((entry) => entry.count === 1 && entry.contactPhone === '+33612345678')).toBe(true);

    const unrelated = await ping({ key: 'k2' }, 'custom.pong');
    await waitFor(async () => (await hub.hub.store.query(`SELECT 1 FROM events WHERE id = $1 AND dispatched_at IS NOT NULL`, [unrelated])).length === 1, 'custom.pong dispatched');
    expect(await deliveries(unrelated)).toEqual([]);
  });

  it('the other tenant\'s event reaches its own installation only', async () => {
    const eventId = await ping({ key: 'k3' }, 'custom.ping', other.apiKey);
    const rows = await settledOnce(eventId, 1);
    expect(rows).toEqual([expect.objectContaining({ subscriber: `connector:${ids.other}`, status: 'succeeded' })]);
  });

  it('outcomes: retry and a system down are tried again later, a refusal fails the delivery with its message', async () => {
    for (const [mode, status, error] of [
      ['retry', 'pending', 'not ready yet'],
      ['down', 'pending', 'Echo is down (HTTP 503).'],
      ['refused', 'failed', 'Echo refused the ping.'],
    ] as const) {
      const eventId = await ping({ key: `mode-${mode}`, mode });
      const rows = await settledOnce(eventId, 2);
      expect(rows.map((row) => [row.status, row.last_error]), mode).toEqual([
        [status, error],
        [status, error],
      ]);
    }
  });
});
