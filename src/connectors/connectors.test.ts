/**
 * The connector contract, on both stores, with a minimal connector of its own ("demo"): what any
 * connector gets from the hub (install with rollback or resume, sealed credentials, the inbox with
 * replay-safe processing, resource memory, timers, actions, the ready rules).
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventBus } from '../bus/event-bus.ts';
import { ContactService } from '../contacts/contacts.ts';
import { RecordingPublisher } from '../contacts/test-support.ts';
import { tenantPhoneNormalizer } from '../contacts/tenant-region.ts';
import { DomainError } from '../errors.ts';
import { domainProblem, type HttpProblem } from '../gateway/problem.ts';
import type { AddJobOptions, JobQueue, JsonValue } from '../queue/job-queue.ts';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createVault } from '../vault/vault.ts';
import { testStores } from '../../test/support/stores.ts';
import { defineAction } from './action.ts';
import { defineConnector, type JsonObject, type Outcome } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { ExternalSystemError } from './external-error.ts';
import { INBOUND_ATTEMPTS, processInbound, receive, recentInbox, sweepInbox } from './inbox.ts';
import { getInstallation } from './installation-store.ts';
import { install, reconcile, runAction, uninstall } from './lifecycle.ts';
import { defineManifest } from './manifest.ts';
import { resourceMemory } from './memory.ts';
import { connectorDeps } from './connectors-module.ts';
import { ConnectorRegistry } from './registry.ts';

class RecordingQueue implements JobQueue {
  readonly kind = 'store' as const;
  readonly added: { name: string; data: JsonValue; options: AddJobOptions | undefined }[] = [];
  readonly cancelled: string[] = [];
  async add(name: string, data: JsonValue, options?: AddJobOptions) {
    this.added.push({ name, data, options });
  }
  async cancel(jobId: string) {
    this.cancelled.push(jobId);
    return true;
  }
  process() {}
  async schedule() {}
  async ping() {}
  async close() {}
}

/** What the demo "external system" holds, and how it misbehaves. */
const remote = { hooks: new Map<string, string>(), failReconcile: undefined as undefined | 'refused-before' | 'timeout-after', handled: 0, failHandle: false };

const demo = defineConnector({
  manifest: defineManifest({
    id: 'demo',
    name: 'Demo',
    description: 'A connector for the contract tests.',
    auth: 'api-key',
    installInput: z.object({ account: z.string().min(1), token: z.string().min(1), down: z.boolean().optional() }).strict(),
    settings: z.object({ label: z.string().default('demo') }).strict(),
    credentials: z.object({ token: z.string() }),
    emits: ['order.created'],
    docs: 'docs/connectors/contract.md',
  }),
  accountOf: (input) => input.account.toLowerCase(),
  async prepare(input) {
    if (input.down) throw new ExternalSystemError('unreachable', `The system ${input.account} cannot be reached (ECONNREFUSED).`);
    return { account: input.account.toLowerCase(), settings: { label: 'demo' }, credentials: { token: input.token }, shownOnce: { token: input.token } };
  },
  async reconcile(ctx) {
    const state = ctx.state() as { hook?: { id: string | null } };
    if (remote.failReconcile === 'refused-before') throw new ExternalSystemError('auth', 'The system refused the token.');
    if (state.hook?.id && remote.hooks.has(state.hook.id)) return { changes: [] };
    await ctx.saveState({ hook: { id: null } });
    const id = `h${remote.hooks.size + 1}`;
    remote.hooks.set(id, ctx.publicUrl('hook'));
    if (remote.failReconcile === 'timeout-after') throw new ExternalSystemError('timeout', 'The system did not answer.');
    await ctx.saveState({ hook: { id } });
    return { changes: [`created hook ${id}`] };
  },
  async uninstall(ctx) {
    const id = (ctx.state() as { hook?: { id: string } }).hook?.id;
    if (id) remote.hooks.delete(id);
    await ctx.saveState({});
    return { changes: id ? [`deleted hook ${id}`] : [] };
  },
  remoteResources: (state) => {
    const hook = (state as { hook?: { id: string | null } }).hook;
    return hook ? [{ kind: 'hook', name: 'orders', externalId: hook.id, status: 'active' }] : [];
  },
  async routes() {},
  async handle(delivery, ctx): Promise<Outcome> {
    remote.handled++;
    if (remote.failHandle) throw new Error('the database went away');
    const body = JSON.parse(delivery.body) as { orderId: string; phone?: string; email?: string; bad?: boolean };
    const seen = (await ctx.memory.get<number>(`order:${body.orderId}`)) ?? 0;
    await ctx.memory.set(`order:${body.orderId}`, seen + 1);
    return {
      status: 'processed',
      events: [
        {
          type: 'order.created',
          key: `order.created:${body.orderId}`,
          data: { orderId: body.orderId, status: 'processing', total: { amount: 10, currency: 'EUR' }, lines: [], shop: { installationId: ctx.installation.id, url: 'https://demo', name: ctx.settings.label } },
          contact: { ...(body.phone ? { phone: body.phone } : {}), ...(body.email ? { email: body.email } : {}) },
          ...(body.phone ? { subject: { phone: body.phone } } : {}),
        },
        ...(body.bad ? [{ type: 'order.created', key: 'bad', data: { orderId: 1 } as JsonObject }] : []),
      ],
      timers: { set: [{ key: `order:${body.orderId}`, rev: '1', delayMs: 60_000 }], cancel: [{ key: `order:${body.orderId}`, rev: '0' }] },
    };
  },
  actions: [
    defineAction({
      id: 'echo',
      title: 'Echo',
      description: 'Returns its input.',
      input: z.object({ say: z.string() }).strict(),
      async run(input) {
        return input as JsonValue;
      },
    }),
  ],
});

describe.each(testStores)('connector contract ($kind)', (factory) => {
  let store: Store;
  let deps: ConnectorDeps;
  let queue: RecordingQueue;
  let tenantId = '';
  let otherTenantId = '';

  beforeAll(async () => {
    Object.assign(remote, { hooks: new Map(), failReconcile: undefined, handled: 0, failHandle: false });
    store = await factory.open();
    queue = new RecordingQueue();
    const log = pino({ level: 'silent' });
    const registry = new ConnectorRegistry();
    registry.register(demo);
    const bus = new EventBus(store, queue, log, tenantPhoneNormalizer(store));
    deps = connectorDeps({
      db: store,
      queue,
      bus,
      contacts: new ContactService(store, new RecordingPublisher()),
      vault: createVault(randomBytes(32)),
      registry,
      log,
      publicUrl: 'https://hub.example.test/',
      network: { allowPrivateTargets: false },
      clock: () => new Date(),
    });
    tenantId = (await createTenant(store, 'boutique')).id;
    otherTenantId = (await createTenant(store, 'autre')).id;
  });
  afterAll(async () => store?.close());

  /** The service's refusal as the API answers it (the gateway's mapping). */
  const problemOf = async (promise: Promise<unknown>): Promise<HttpProblem> => {
    const error = await promise.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(DomainError);
    return domainProblem(error as DomainError);
  };

  it('installs: credentials sealed, state saved step by step, the same account again is the same installation', async () => {
    remote.failReconcile = undefined;
    const first = await install(deps, demo, tenantId, { account: 'Shop-A', token: 'tok-secret-1' });
    expect(first).toMatchObject({ created: true, changes: ['created hook h1'], shownOnce: { token: 'tok-secret-1' }, installation: { status: 'active', account: 'shop-a', state: { hook: { id: 'h1' } } } });
    expect(remote.hooks.get('h1')).toBe(`https://hub.example.test/connectors/demo/${first.installation.id}/hook`);
    const [row] = await store.query<{ credentials_sealed: string }>('SELECT credentials_sealed FROM connector_installations WHERE id = $1', [first.installation.id]);
    expect(row!.credentials_sealed).toMatch(/^v1\./);
    expect(row!.credentials_sealed).not.toContain('tok-secret-1');
    const again = await install(deps, demo, tenantId, { account: 'shop-a', token: 'tok-secret-2' });
    expect(again).toMatchObject({ created: false, changes: [], installation: { id: first.installation.id } });
    expect(await runAction(deps, tenantId, first.installation.id, 'echo', { say: 'bonjour' })).toEqual({ say: 'bonjour' });
  });

  it('an unreachable system at install: a clear 502 and no trace', async () => {
    const problem = await problemOf(install(deps, demo, tenantId, { account: 'shop-down', token: 't', down: true }));
    expect(problem).toMatchObject({ status: 502, message: 'The system shop-down cannot be reached (ECONNREFUSED). Nothing was installed.' });
    expect(await store.query(`SELECT 1 FROM connector_installations WHERE account = 'shop-down'`)).toEqual([]);
    // The same for an account already installed: it keeps working with its previous credentials.
    const again = await problemOf(install(deps, demo, tenantId, { account: 'shop-a', token: 'new', down: true }));
    expect(again.message).toMatch(/Nothing was changed: installation ins_\w+ keeps its previous key\./);
  });

  it('invalid install input: 400 naming the fields', async () => {
    const problem = await problemOf(install(deps, demo, tenantId, { account: '', extra: 1 }));
    expect(problem.status).toBe(400);
    expect(problem.errors!.map((error) => error.path).sort()).toEqual(['body', 'body.account', 'body.token']);
  });

  it('reconcile refused before creating anything: the new installation is removed again', async () => {
    remote.failReconcile = 'refused-before';
    const problem = await problemOf(install(deps, demo, tenantId, { account: 'shop-b', token: 't' }));
    expect(problem).toMatchObject({ status: 422, message: 'The system refused the token. Nothing was installed.' });
    expect(await store.query(`SELECT 1 FROM connector_installations WHERE account = 'shop-b'`)).toEqual([]);
  });

  it('reconcile cut short after creating: kept in status error, resumed without duplicates', async () => {
    remote.failReconcile = 'timeout-after';
    const problem = await problemOf(install(deps, demo, tenantId, { account: 'shop-c', token: 't' }));
    expect(problem.status).toBe(502);
    expect(problem.message).toMatch(/kept in status "error"/);
    const [kept] = await store.query<{ id: string; status: string; last_error: string }>(`SELECT id, status, last_error FROM connector_installations WHERE account = 'shop-c'`);
    expect(kept).toMatchObject({ status: 'error', last_error: 'The system did not answer.' });
    remote.failReconcile = undefined;
    const resumed = await reconcile(deps, tenantId, kept!.id);
    expect(resumed!.installation).toMatchObject({ status: 'active', lastError: null });
    // Another tenant cannot reconcile, read or uninstall it.
    expect(await reconcile(deps, otherTenantId, kept!.id)).toBeUndefined();
    expect(await uninstall(deps, otherTenantId, kept!.id)).toBeUndefined();
    expect(await getInstallation(store, otherTenantId, kept!.id)).toBeUndefined();
  });

  it('the inbox: stored once per key, processed into events, contacts, memory and timers', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    const request = { kind: 'webhook', dedupeKey: 'd-1', headers: { 'x-topic': 'order' }, body: JSON.stringify({ orderId: '5', phone: '06 12 34 56 78', email: 'a@example.fr' }) };
    const first = await receive(deps, installation, request);
    expect(await receive(deps, installation, request)).toEqual({ id: first.id, duplicate: true });
    expect(queue.added.filter((job) => job.name === 'connectors.inbound')).toHaveLength(1);
    await processInbound(deps, first.id, 1);
    await processInbound(deps, first.id, 2); // a redelivered job: nothing more
    const [event] = await store.query<{ id: string; dedupe_key: string; source: string; subject: { contactId: string } }>(
      `SELECT id, dedupe_key, source, subject FROM events WHERE tenant_id = $1 AND type = 'order.created'`,
      [tenantId],
    );
    expect(event).toMatchObject({ source: 'demo', dedupe_key: `${installation.id}/order.created:5`, subject: { contactId: expect.stringMatching(/^con_/) } });
    const contact = await deps.contacts.upsertContact(tenantId, { email: 'a@example.fr' }, 'test');
    expect(contact.contact).toMatchObject({ id: event!.subject.contactId, phone: '+33612345678' });
    expect(queue.cancelled).toContain(`connectors.timer.${installation.id}.order:5.0`);
    expect(queue.added.find((job) => job.name === 'connectors.timer')).toMatchObject({ options: { jobId: `connectors.timer.${installation.id}.order:5.1`, delayMs: 60_000 } });
    const [entry] = await recentInbox(deps, tenantId, installation.id, 1);
    expect(entry).toMatchObject({ id: first.id, kind: 'webhook', status: 'processed', events: [{ id: event!.id, type: 'order.created', duplicate: false }] });
    expect(await recentInbox(deps, otherTenantId, installation.id)).toEqual([]);
  });

  it('a signed body with what PostgreSQL cannot store (NUL, lone surrogates) is kept and becomes its event, cleaned', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-nul', token: 't' })).installation;
    // As sent: JSON escapes for NUL and a lone surrogate, and a literal NUL outside any string.
    const body = '{"orderId":"9\\u0000","email":"nul\\ud800@example.fr"}\u0000';
    const received = await receive(deps, installation, { kind: 'webhook', dedupeKey: 'nul-1', headers: {}, body });
    await processInbound(deps, received.id, 1);
    const [entry] = await recentInbox(deps, tenantId, installation.id, 1);
    expect(entry).toMatchObject({ id: received.id, status: 'processed', events: [{ type: 'order.created', duplicate: false }] });
    const [event] = await store.query<{ data: { orderId: string } }>('SELECT data FROM events WHERE id = $1', [entry!.events[0]!.id]);
    expect(event!.data.orderId).toBe('9');
  });

  it('a crash after the handler replays its stored outcome instead of running it again', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    const { id } = await receive(deps, installation, { kind: 'webhook', dedupeKey: 'd-2', headers: {}, body: JSON.stringify({ orderId: '6', email: 'b@example.fr' }) });
    const outcome: Outcome = {
      status: 'processed',
      events: [{ type: 'order.created', key: 'order.created:6', data: { orderId: '6', status: 'pending', total: { amount: 1, currency: 'EUR' }, lines: [] } }],
    };
    await store.query('UPDATE connector_inbox SET outcome = $2::jsonb WHERE id = $1', [id, JSON.stringify(outcome)]);
    const handled = remote.handled;
    await processInbound(deps, id, 2);
    expect(remote.handled).toBe(handled);
    expect(await store.query(`SELECT 1 FROM events WHERE dedupe_key = $1`, [`${installation.id}/order.created:6`])).toHaveLength(1);
  });

  it('a failing handler is retried, then marked failed with the raw request kept; bad events and bad contacts are explained', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    remote.failHandle = true;
    const { id } = await receive(deps, installation, { kind: 'webhook', dedupeKey: 'd-3', headers: {}, body: JSON.stringify({ orderId: '7' }) });
    await expect(processInbound(deps, id, 1)).rejects.toThrow('the database went away');
    await processInbound(deps, id, INBOUND_ATTEMPTS);
    const [failed] = await store.query<{ status: string; note: string; body: string }>('SELECT status, note, body FROM connector_inbox WHERE id = $1', [id]);
    expect(failed).toEqual({ status: 'failed', note: 'the database went away', body: '{"orderId":"7"}' });
    remote.failHandle = false;
    const bad = await receive(deps, installation, { kind: 'webhook', dedupeKey: 'd-4', headers: {}, body: JSON.stringify({ orderId: '8', phone: '12', email: 'c@example.fr', bad: true }) });
    await processInbound(deps, bad.id, 1);
    const [entry] = await recentInbox(deps, tenantId, installation.id, 1);
    expect(entry!.status).toBe('processed');
    expect(entry!.events.map((event) => event.type)).toEqual(['order.created']);
    expect(entry!.note).toMatch(/contact: phone: .*not a valid phone number/);
    expect(entry!.note).toMatch(/order.created not published: data does not match/);
    // The shop's phone is no number: the event is kept, without it in its subject (the bus normalizes every source's phones).
    expect(entry!.note).toMatch(/order.created: subject.phone left out: "12" is not a valid phone number/);
    const [event] = await store.query<{ subject: Record<string, unknown> }>('SELECT subject FROM events WHERE id = $1', [entry!.events[0]!.id]);
    expect(event!.subject.phone).toBeUndefined();
  });

  it('memory: per installation and tenant, found by field', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    await store.transaction(async (tx) => {
      const memory = resourceMemory(tx, tenantId, installation.id);
      await memory.set('cart:1', { email: 'a@example.fr', phone: null, status: 'open' });
      await memory.set('cart:2', { email: 'b@example.fr', phone: '+33600000000', status: 'open' });
      await memory.set('cart_3', { email: 'a@example.fr' });
      expect((await memory.findByField('cart:', { email: 'a@example.fr', phone: '+33600000000' })).map((entry) => entry.key)).toEqual(['cart:1', 'cart:2']);
      expect(await memory.findByField('cart:', { email: undefined })).toEqual([]);
      await memory.delete('cart:2');
      expect(await memory.get('cart:2')).toBeUndefined();
    });
    expect(await resourceMemory(store, otherTenantId, installation.id).get('cart:1')).toBeUndefined();
  });

  it('the sweeper re-enqueues entries whose job was lost', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    const { id } = await receive(deps, installation, { kind: 'webhook', dedupeKey: 'd-5', headers: {}, body: '{"orderId":"9"}' });
    await store.query(`UPDATE connector_inbox SET received_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    const before = queue.added.length;
    expect((await sweepInbox(deps)).requeued).toBeGreaterThanOrEqual(1);
    expect(queue.added.slice(before).map((job) => job.data)).toContainEqual({ inboxId: id });
  });

  it('uninstall removes what reconcile created and keeps the row; processing after it is ignored', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    const { id } = await receive(deps, installation, { kind: 'webhook', dedupeKey: 'd-6', headers: {}, body: '{"orderId":"10"}' });
    const result = await uninstall(deps, tenantId, installation.id);
    expect(result).toMatchObject({ changes: ['deleted hook h1'], problems: [], installation: { status: 'uninstalled' } });
    await processInbound(deps, id, 1);
    expect((await recentInbox(deps, tenantId, installation.id, 1))[0]).toMatchObject({ status: 'ignored', note: expect.stringMatching(/uninstalled/) });
    expect((await problemOf(runAction(deps, tenantId, installation.id, 'echo', { say: 'x' }))).status).toBe(404);
    // Installing again revives the same row, with its memory.
    const back = await install(deps, demo, tenantId, { account: 'shop-a', token: 't' });
    expect(back).toMatchObject({ created: false, installation: { id: installation.id, status: 'active' } });
    expect(await resourceMemory(store, tenantId, installation.id).get('order:5')).toBe(1);
  });

  it('actions: unknown ones and invalid input are refused with what to do', async () => {
    const installation = (await install(deps, demo, tenantId, { account: 'shop-a', token: 't' })).installation;
    expect((await problemOf(runAction(deps, tenantId, installation.id, 'fly', {}))).message).toBe('The Demo connector has no action "fly"; it has: echo.');
    expect((await problemOf(runAction(deps, tenantId, installation.id, 'echo', { say: 3 }))).errors).toEqual([{ path: 'body.say', message: expect.any(String) }]);
  });
});
