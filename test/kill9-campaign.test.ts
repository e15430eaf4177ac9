/**
 * SIGKILL in the middle of a campaign to a real SMSC (Net::SMPP, test/support/smsc-netsmpp.pl): after
 * the restart the campaign resumes, every recipient has exactly one message, every one reaches the
 * SMSC, and the only duplicate submit_sm are messages in flight at the kill (the sending core's one
 * window: test/kill9-sending.test.ts measures it the same way).
 *
 * 500 recipients keep it in CI's budget (`KILL9_CAMPAIGN_RECIPIENTS` sets another size);
 * bench/campaign.ts runs the 100,000 campaign.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SUBMIT_CONCURRENCY } from '../src/sending/deps.ts';
import { openStore } from '../src/store/open-store.ts';
import { freshHubEnv } from './support/crash-hub.ts';
import { freePort, startProcess, type RunningProcess } from './support/processes.ts';
import { seedAudience } from './support/seed-audience.ts';
import { startNetSmppSmsc } from './support/smsc-netsmpp.ts';

const HUB = new URL('../src/main.ts', import.meta.url).pathname;
const TOTAL = Number(process.env.KILL9_CAMPAIGN_RECIPIENTS ?? 500);
const KILL_AT = Math.ceil(TOTAL / 3);
/** The submit worker's concurrency (src/sending/deps.ts): the messages a killed process can hold between provider and record. */
const MAX_IN_FLIGHT = SUBMIT_CONCURRENCY;
const PENDING = new Set(['accepted', 'scheduled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['postgres+redis', 'embedded'] as const)(`SIGKILL during a ${TOTAL}-recipient campaign (%s)`, (mode) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('resumes after the restart: one message per recipient, no submit_sm twice beyond those in flight', { timeout: 900_000 }, async () => {
    const { env, apiKey, dataDir, databaseUrl } = await freshHubEnv(mode, cleanups, { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    const smsc = await startNetSmppSmsc({ receipt_delay_ms: 20 });
    cleanups.push(() => smsc.close());
    const port = await freePort();
    let hub: RunningProcess = await startProcess(HUB, env, port);
    cleanups.push(() => hub.stop('SIGKILL'));
    const api = async (path: string, options: { method?: string; body?: unknown } = {}) => {
      const response = await fetch(hub.url + path, {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
    };
    const tenantId = (await api('/v1/me')).body.tenantId as string;

    // The audience goes straight into the store, with the hub stopped (the embedded store is the hub's alone).
    await hub.stop('SIGTERM');
    const store = await openStore(databaseUrl !== undefined ? { databaseUrl } : { dataDir });
    const { listId, phones } = await seedAudience(store, tenantId, TOTAL, 'kill9');
    await store.close();
    hub = await startProcess(HUB, env, port);

    expect((await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'smpp', settings: { host: '127.0.0.1', port: smsc.port, systemId: 'hub' }, secrets: { password: 'secret' } } })).status).toBe(200);
    expect((await api('/v1/sending/settings', { method: 'PUT', body: { quietHours: { enabled: false } } })).status).toBe(200);
    const created = await api('/v1/campaigns', { body: { name: 'kill9', channel: 'sms', audience: { listId }, message: { text: 'Bonjour {{ contact.firstName }}, -20% ce week-end' } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await api(`/v1/campaigns/${id}/schedule`, { body: {} })).status).toBe(200);

    // Kill once a third reached the SMSC.
    const deadline = Date.now() + 600_000;
    while (smsc.submits().length < KILL_AT) {
      if (Date.now() > deadline) throw new Error(`only ${smsc.submits().length} submit_sm before the deadline`);
      await sleep(20);
    }
    await hub.stop('SIGKILL');
    const connections = smsc.events.filter((event) => event.event === 'connected').map((event) => event.conn);
    for (const conn of connections) await smsc.waitFor((event) => (event.event === 'closed' || event.event === 'dropped') && event.conn === conn, `connection ${conn} to close`, 30_000);
    await smsc.sync();
    const reachedAtKill = new Set(smsc.submits().map((submit) => `+${submit.destination_addr}`));
    const dead = await openStore(databaseUrl !== undefined ? { databaseUrl } : { dataDir });
    const statusByTo = new Map((await dead.query<{ to_address: string; status: string }>('SELECT to_address, status FROM messages')).map((row) => [row.to_address, row.status]));
    await dead.close();
    const inFlight = [...reachedAtKill].filter((to) => PENDING.has(statusByTo.get(to)!));
    expect(inFlight.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);

    // Restart: the campaign resumes by itself (its jobs and the sweeps), and drains.
    hub = await startProcess(HUB, env, port);
    for (;;) {
      const results = (await api(`/v1/campaigns/${id}/results`)).body;
      if (results.status === 'completed' && results.delivered === TOTAL) break;
      if (Date.now() > deadline + 300_000) throw new Error(`not drained: ${JSON.stringify(results)}`);
      await sleep(1_000);
    }

    // One message per recipient, each to its own phone.
    const recipients: { contactId: string; messageId: string | null; to: string | null; status: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof recipients; nextCursor: string | null } = (await api(`/v1/campaigns/${id}/recipients?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).body;
      recipients.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(recipients).toHaveLength(TOTAL);
    expect(new Set(recipients.map((row) => row.messageId)).size).toBe(TOTAL);
    expect(new Set(recipients.map((row) => row.to))).toEqual(new Set(phones));
    expect(recipients.filter((row) => row.status !== 'delivered')).toEqual([]);

    // At the SMSC: every phone; twice only for messages in flight at the kill.
    await smsc.sync();
    const submits = smsc.submits();
    const count = new Map<string, number>();
    for (const submit of submits) count.set(`+${submit.destination_addr}`, (count.get(`+${submit.destination_addr}`) ?? 0) + 1);
    expect(phones.filter((phone) => !count.has(phone))).toEqual([]);
    const twice = [...count].filter(([, n]) => n > 1).map(([to]) => to);
    expect(twice.filter((to) => !inFlight.includes(to))).toEqual([]);
    console.log(`[kill9-campaign ${mode}] ${TOTAL} recipients; SIGKILL at ${reachedAtKill.size} reached; in flight ${inFlight.length}; ${submits.length - TOTAL} duplicate submit_sm; all delivered`);
  });
});
