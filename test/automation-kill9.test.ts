/**
 * SIGKILL during automation: hundreds of runs entering, waiting, looping and sending while the hub
 * process is killed with SIGKILL at random moments and restarted on the same store. Afterwards
 * every run has finished, and every (run, step, rotation) that sends has exactly one message: none
 * sent twice, none skipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, type RunningProcess } from './support/processes.ts';
import { freshHubEnv } from './support/crash-hub.ts';

const HUB = new URL('../src/main.ts', import.meta.url).pathname;
const RUNS = 300;
const CONCURRENCY = 24;
/** The keys each run must send once: s1, then s2 on three passes of the loop, then s3. */
const EXPECTED_KEYS = (runId: string) => [`scn:${runId}:s1:0`, `scn:${runId}:s2:0`, `scn:${runId}:s2:1`, `scn:${runId}:s2:2`, `scn:${runId}:s3:2`];

const sms = (id: string, next: string) => ({ id, type: 'action', action: { kind: 'sendSms', category: 'transactional', text: `Étape ${id} pour {{ event.data.index }}` }, next });
const definition = {
  trigger: { kind: 'event', event: 'custom.kill9' },
  steps: [
    sms('s1', 'w1'),
    { id: 'w1', type: 'wait', wait: { kind: 'duration', duration: '1s' }, next: 's2' },
    sms('s2', 'w2'),
    { id: 'w2', type: 'waitFor', event: 'custom.kill9_never', timeout: '1s', timedOut: 'loop' },
    { id: 'loop', type: 'goto', target: 's2', maxRotations: 2, then: 's3' },
    sms('s3', 'fin'),
    { id: 'fin', type: 'exit' },
  ],
};

const between = (low: number, high: number) => low + Math.random() * (high - low);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['embedded', 'postgres+redis'] as const)('SIGKILL during automation (%s)', (mode) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('finishes every run and sends each step once', { timeout: 420_000 }, async () => {
    const { env, apiKey } = await freshHubEnv(mode, cleanups);
    const port = await freePort();
    let hub: RunningProcess = await startProcess(HUB, env, port);
    cleanups.push(() => hub.stop('SIGKILL'));
    const api = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
      const response = await fetch(hub.url + path, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const kills: string[] = [];
    const killAndRestart = async (why: string) => {
      kills.push(why);
      await hub.stop('SIGKILL');
      hub = await startProcess(HUB, env, port);
    };

    await api('/v1/sending/providers/sms', { kind: 'sandbox', settings: { receiptDelayMs: 50 } }, 'PUT');
    const scenario = await api('/v1/scenarios', { name: 'kill9', definition, activate: true });
    expect(scenario.status, JSON.stringify(scenario.body)).toBe(201);
    const scenarioId = scenario.body.id as string;

    // Kill 1: while the triggers are coming in (the sender retries what was not acknowledged).
    const killAt = Math.floor(between(0.2, 0.6) * RUNS);
    const acknowledged = new Set<number>();
    let next = 0;
    let killed = false;
    const post = async (index: number) => {
      try {
        const response = await api('/v1/events', { type: 'custom.kill9', source: 'kill9', dedupeKey: `k9-${index}`, subject: { phone: `+336123${String(40_000 + index).padStart(5, '0')}` }, data: { index } });
        if (response.status === 200 || response.status === 201) acknowledged.add(index);
      } catch {
        // Connection reset by the kill.
      }
      if (!killed && acknowledged.size >= killAt) {
        killed = true;
        await hub.stop('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < RUNS) await post(next++);
    }));
    kills.push(`after ${acknowledged.size} of ${RUNS} triggers acknowledged`);
    hub = await startProcess(HUB, env, port);
    for (let index = 0; index < RUNS; index++) {
      if (acknowledged.has(index)) continue;
      const response = await api('/v1/events', { type: 'custom.kill9', source: 'kill9', dedupeKey: `k9-${index}`, subject: { phone: `+336123${String(40_000 + index).padStart(5, '0')}` }, data: { index } });
      expect([200, 201]).toContain(response.status);
    }

    // Kills 2 and 3: while runs wait, loop and send.
    for (const round of [2, 3]) {
      const delay = between(300, 2_500);
      await sleep(delay);
      await killAndRestart(`kill ${round} ${Math.round(delay)} ms after the previous start`);
    }

    // Every run finishes (jobs of the dead process come back: at once on the embedded store, after their lease on PostgreSQL/Redis).
    const restarted = Date.now();
    const deadline = restarted + 300_000;
    let counts: Record<string, number>;
    for (;;) {
      counts = (await api(`/v1/scenarios/${scenarioId}`)).body.runs as Record<string, number>;
      if (process.env.KILL9_TRACE) console.log(Math.round((Date.now() - restarted) / 1000), JSON.stringify(counts));
      if (counts.completed === RUNS || Date.now() > deadline) break;
      await sleep(500);
    }
    kills.push(`all runs done ${Math.round((Date.now() - restarted) / 1000)} s after the last restart`);
    expect(counts).toMatchObject({ completed: RUNS, active: 0, waiting: 0, held: 0, failed: 0 });

    // Exactly the expected messages: one per sending (run, step, rotation).
    const runIds: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await api(`/v1/scenarios/${scenarioId}/runs?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).body as { items: { id: string }[]; nextCursor: string | null };
      runIds.push(...page.items.map((run) => run.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(runIds).toHaveLength(RUNS);
    const keys = new Map<string, number>();
    cursor = null;
    do {
      const page = (await api(`/v1/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).body as { items: { idempotencyKey: string | null }[]; nextCursor: string | null };
      for (const message of page.items) keys.set(message.idempotencyKey ?? 'none', (keys.get(message.idempotencyKey ?? 'none') ?? 0) + 1);
      cursor = page.nextCursor;
    } while (cursor);
    const expected = runIds.flatMap(EXPECTED_KEYS);
    const twice = [...keys].filter(([, count]) => count > 1);
    const missing = expected.filter((key) => !keys.has(key));
    const unexpected = [...keys.keys()].filter((key) => !expected.includes(key));
    console.log(`[automation kill9 ${mode}] ${kills.join('; ')}; ${RUNS} runs completed, ${keys.size} distinct messages`);
    expect({ twice, missing, unexpected }).toEqual({ twice: [], missing: [], unexpected: [] });
    expect(keys.size).toBe(RUNS * 5);
  });
});
