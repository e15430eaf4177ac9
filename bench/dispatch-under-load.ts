/**
 * bench/dispatch-under-load: how late events reach their webhook while a large SMS batch is being
 * sent (issue 18, defect 5: event dispatch must not queue behind bulk sending). One hub process (role
 * `all`) on PostgreSQL + Redis, the sandbox provider, a local webhook receiver subscribed to every
 * event type.
 *
 *   node bench/dispatch-under-load.ts [--sms 10000] [--events-per-second 20] [--receipt-delay-ms 200]
 *     (DATABASE_URL and REDIS_URL default to the local test servers; a fresh database is created and dropped)
 *
 * Measured per event: webhook arrival − the event's `receivedAt`. Two families: `custom.bench`
 * events posted through the API at a steady rate during the batch (a shop's orders), and the
 * `message.*` events the batch itself produces.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createTestDatabase, dropRedisPrefix, TEST_REDIS_URL } from '../test/support/stores.ts';

const { values } = parseArgs({
  options: {
    sms: { type: 'string', default: '10000' },
    'events-per-second': { type: 'string', default: '20' },
    'receipt-delay-ms': { type: 'string', default: '200' },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const smsCount = Number(values.sms);
const eventsPerSecond = Number(values['events-per-second']);

const database = await createTestDatabase();
const prefix = `bench${randomBytes(3).toString('hex')}`;
const apiKey = `hub_bench_${randomBytes(16).toString('hex')}`;

// The receiver: arrival time per event id, with its type and receivedAt.
const arrivals = new Map<string, { type: string; latencyMs: number }>();
const receiver = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk));
  request.on('end', () => {
    const event = JSON.parse(body) as { id: string; type: string; receivedAt: string };
    if (!arrivals.has(event.id)) arrivals.set(event.id, { type: event.type, latencyMs: Date.now() - Date.parse(event.receivedAt) });
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

const hub = await createHub(
  loadConfig({
    PORT: '0',
    HUB_HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL,
    HUB_QUEUE_PREFIX: prefix,
    HUB_SECRET_KEY: randomBytes(32).toString('base64'),
    HUB_BOOTSTRAP_API_KEY: apiKey,
    HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    HUB_LOG_LEVEL: 'silent',
    HUB_SMPP_PORT: 'off',
  }),
  { logger: pino({ level: 'silent' }) },
);
const { url } = await hub.start();

async function api(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url + path, { method, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
function summary(latencies: number[]): { count: number; p50: number; p99: number; max: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

try {
  if ((await api('/v1/webhooks', { url: hookUrl, eventTypes: ['*'] })).status !== 201) throw new Error('webhook subscription refused');
  if ((await api('/v1/sending/providers/sms', { kind: 'sandbox', settings: { receiptDelayMs: Number(values['receipt-delay-ms']) } }, 'PUT')).status !== 200) throw new Error('provider refused');

  // The batch, in requests of 1,000 (the API's maximum), accepted as fast as the hub takes them.
  const started = Date.now();
  let accepting = true;
  const batch = (async () => {
    for (let first = 0; first < smsCount; first += 1000) {
      const messages = Array.from({ length: Math.min(1000, smsCount - first) }, (_, offset) => ({
        to: `+33612${String((first + offset) % 100_000).padStart(5, '0')}8`,
        category: 'transactional',
        text: `Votre commande ${first + offset} est prête.`,
      }));
      const response = await api('/v1/messages/sms', { messages });
      if (response.status !== 201) throw new Error(`batch refused: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    }
    accepting = false;
  })();

  // Steady custom events while the batch is sent (until every SMS is final).
  const customIds: string[] = [];
  let sendingDone = false;
  const steady = (async () => {
    let index = 0;
    while (!sendingDone) {
      const tick = Date.now();
      const response = await api('/v1/events', { type: 'custom.bench', source: 'bench', dedupeKey: `b${index++}`, data: { index } });
      if (response.status === 201) customIds.push(response.body.id as string);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 / eventsPerSecond - (Date.now() - tick))));
    }
  })();

  const deadline = Date.now() + Number(values['timeout-s']) * 1000;
  for (;;) {
    const [row] = await hub.store.query<{ open: number; total: number }>(`SELECT count(*) FILTER (WHERE status IN ('accepted', 'scheduled', 'submitted'))::int AS open, count(*)::int AS total FROM messages`);
    if (!accepting && row!.total >= smsCount && row!.open === 0) break;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const sentMs = Date.now() - started;
  sendingDone = true;
  await Promise.all([batch, steady]);

  // Every event stored must arrive; wait for the tail.
  for (;;) {
    const [row] = await hub.store.query<{ events: number }>('SELECT count(*)::int AS events FROM events');
    if (arrivals.size >= row!.events) break;
    if (Date.now() > deadline) throw new Error(`timed out waiting for deliveries: ${arrivals.size} of ${row!.events}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const latencies = (predicate: (type: string) => boolean) => [...arrivals.values()].filter((arrival) => predicate(arrival.type)).map((arrival) => arrival.latencyMs);
  console.log(
    JSON.stringify(
      {
        machine: `${process.platform} ${process.arch}, Node ${process.version}`,
        sms: smsCount,
        smsFinalAfterMs: sentMs,
        custom: summary(latencies((type) => type === 'custom.bench')),
        message: summary(latencies((type) => type.startsWith('message.'))),
      },
      null,
      2,
    ),
  );
} finally {
  await hub.stop();
  receiver.close();
  await dropRedisPrefix(prefix);
  await database.drop();
}
