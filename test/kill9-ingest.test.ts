import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, type RunningProcess } from './support/processes.ts';
import { freshHubEnv } from './support/crash-hub.ts';

const HUB = new URL('../src/main.ts', import.meta.url).pathname;
const TOTAL = 3000;
const CONCURRENCY = 48;

/** Counts the events each webhook delivery carries (by event id). */
async function startReceiver(): Promise<{ url: string; received: Map<string, number>; server: Server }> {
  const received = new Map<string, number>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      const id = (JSON.parse(body) as { id: string }).id;
      received.set(id, (received.get(id) ?? 0) + 1);
      response.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

describe.each(['embedded', 'postgres+redis'] as const)('SIGKILL during concurrent ingest (%s)', (mode) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('keeps every acknowledged event exactly once and dispatches each to its subscriber', { timeout: 180_000 }, async () => {
    const { env, apiKey } = await freshHubEnv(mode, cleanups, { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    const receiver = await startReceiver();
    cleanups.push(() => new Promise((resolve) => receiver.server.close(resolve)));
    const port = await freePort();
    let hub: RunningProcess = await startProcess(HUB, env, port);
    cleanups.push(() => hub.stop('SIGKILL'));
    const api = (path: string, body?: unknown) =>
      fetch(hub.url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const subscribed = await api('/v1/webhooks', { url: receiver.url, eventTypes: ['custom.kill9'] });
    expect(subscribed.status).toBe(201);

    // Post concurrently and kill the hub with SIGKILL once a third of the events were acknowledged.
    const acknowledged = new Map<string, string>();
    let next = 0;
    let killed = false;
    const killAt = Math.floor(TOTAL / 3);
    const postOne = async (index: number) => {
      const dedupeKey = `k9-${index}`;
      try {
        const response = await api('/v1/events', { type: 'custom.kill9', source: 'kill9', dedupeKey, data: { index } });
        if (response.status === 201 || response.status === 200) acknowledged.set(dedupeKey, ((await response.json()) as { id: string }).id);
      } catch {
        // Connection reset by the kill: not acknowledged, the sender would retry.
      }
      if (!killed && acknowledged.size >= killAt) {
        killed = true;
        await hub.stop('SIGKILL');
      }
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) await postOne(next++);
      }),
    );
    expect(killed).toBe(true);
    const ackedBeforeKill = acknowledged.size;
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(killAt);

    // Restart on the same store: the senders retry what was not acknowledged (with the same keys).
    hub = await startProcess(HUB, env, port);
    for (let index = 0; index < TOTAL; index += 1) {
      if (acknowledged.has(`k9-${index}`)) continue;
      const response = await api('/v1/events', { type: 'custom.kill9', source: 'kill9', dedupeKey: `k9-${index}`, data: { index } });
      expect([200, 201]).toContain(response.status);
      acknowledged.set(`k9-${index}`, ((await response.json()) as { id: string }).id);
    }

    // Stored exactly once: one event per key, with the id the sender was given.
    const stored = new Map<string, string[]>();
    let cursor: string | null = null;
    do {
      const page = (await (await api(`/v1/events?source=kill9&limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { items: { id: string; dedupeKey: string }[]; nextCursor: string | null };
      for (const event of page.items) stored.set(event.dedupeKey, [...(stored.get(event.dedupeKey) ?? []), event.id]);
      cursor = page.nextCursor;
    } while (cursor);
    expect(stored.size).toBe(TOTAL);
    for (const [key, id] of acknowledged) expect(stored.get(key)).toEqual([id]);

    // Dispatched: every event reaches the webhook (the sweeper re-dispatches what the kill interrupted).
    const deadline = Date.now() + 90_000;
    const missing = () => [...acknowledged.values()].filter((id) => !receiver.received.has(id));
    while (missing().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(missing()).toEqual([]);
    const redelivered = [...receiver.received.values()].filter((count) => count > 1).length;
    console.log(`[kill9 ${mode}] ${ackedBeforeKill} acknowledged before SIGKILL, ${TOTAL} stored once each, ${redelivered} delivered more than once (at-least-once webhooks)`);
  });
});
