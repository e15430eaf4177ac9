/**
 * bench/send: messages/s through the sending core of an embedded hub (PGlite, store queue, sandbox
 * provider): accepted by the API (single messages, then batches), and delivered end to end
 * (accept → submit job → sandbox → receipt → delivered, events published).
 *
 *   node bench/send.ts [--messages 2000] [--concurrency 16] [--batches 5] [--receipt-delay-ms 50]
 *
 * The client runs in the hub's process (one machine, shared CPU), as a person trying the embedded
 * hub would; figures are for comparing changes, not a capacity promise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createApiKey } from '../src/tenancy/api-keys.ts';
import { createTenant } from '../src/tenancy/tenants.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    batches: { type: 'string', default: '5' },
    'receipt-delay-ms': { type: 'string', default: '50' },
    'timeout-s': { type: 'string', default: '600' },
  },
});
const messages = Number(values.messages);
const concurrency = Number(values.concurrency);
const batches = Number(values.batches);
const BATCH_SIZE = 1_000;

const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-send-'));
const hub = await createHub(loadConfig({ PORT: '0', HUB_HOST: '127.0.0.1', HUB_DATA_DIR: dataDir, HUB_LOG_LEVEL: 'silent', HUB_SMPP_PORT: 'off' }), { logger: pino({ level: 'silent' }) });
const { url } = await hub.start();
const tenant = await createTenant(hub.store, 'bench');
const { key } = await createApiKey(hub.store, tenant.id, 'bench');
await hub.sending.registry.put(tenant.id, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: Number(values['receipt-delay-ms']) } });

async function post(path: string, body: unknown): Promise<{ status: number; body: { id?: string; messages?: { id: string }[] } }> {
  const response = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { id?: string; messages?: { id: string }[] } };
}

// Valid French mobiles (06 12 …, checked against the numbering plan) that never end in 00000N, the
// sandbox's magic outcomes: all are delivered. A single invalid number would refuse its whole batch.
const phone = (index: number) => `+33612${String(index % 100_000).padStart(5, '0')}8`;
const sms = (index: number) => ({ to: phone(index), category: 'transactional', text: `Votre commande ${index} est prête. Retrait en magasin dès demain 10h.` });

async function countFinished(): Promise<{ finished: number; delivered: number }> {
  const [row] = await hub.store.query<{ finished: number; delivered: number }>(
    `SELECT count(*) FILTER (WHERE status NOT IN ('accepted', 'scheduled', 'submitted'))::int AS finished, count(*) FILTER (WHERE status = 'delivered')::int AS delivered
     FROM messages WHERE tenant_id = $1`,
    [tenant.id],
  );
  return row!;
}

/** Resolves when `total` messages reached an end state; fails loudly when any of them is not `delivered`. */
async function waitDelivered(total: number): Promise<number> {
  const deadline = Date.now() + Number(values['timeout-s']) * 1000;
  for (;;) {
    const { finished, delivered } = await countFinished();
    if (finished >= total) {
      if (delivered < finished) throw new Error(`${finished - delivered} messages did not end delivered`);
      return Date.now();
    }
    if (Date.now() > deadline) {
      const byStatus = await hub.store.query('SELECT status, count(*)::int AS count FROM messages WHERE tenant_id = $1 GROUP BY status', [tenant.id]);
      throw new Error(`only ${finished} of ${total} messages finished in time: ${JSON.stringify(byStatus)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

try {
  // Warm-up: JIT, connections, first pages.
  for (let index = 0; index < 50; index++) await post('/v1/messages/sms', sms(index));
  await waitDelivered(50);

  // 1. Single messages, `concurrency` requests in flight.
  let next = 0;
  let refused = 0;
  const singlesStart = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages) {
        const index = 50 + next++;
        const response = await post('/v1/messages/sms', sms(index));
        if (response.status !== 201) refused++;
      }
    }),
  );
  const singlesAccepted = Date.now();
  const singlesDelivered = await waitDelivered(50 + messages);

  // 2. Batches of 1000.
  const batchStart = Date.now();
  for (let batch = 0; batch < batches; batch++) {
    const response = await post('/v1/messages/sms', { messages: Array.from({ length: BATCH_SIZE }, (_, index) => sms(100_000 + batch * BATCH_SIZE + index)) });
    if (response.status !== 201) {
      refused += BATCH_SIZE;
      console.error(`batch ${batch}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    }
  }
  const batchAccepted = Date.now();
  const batchDelivered = await waitDelivered(50 + messages + batches * BATCH_SIZE);

  const figures = {
    machine: `${process.platform} ${process.arch}, Node ${process.version}`,
    singles: {
      messages,
      concurrency,
      acceptedPerSecond: rate(messages, singlesAccepted - singlesStart),
      deliveredPerSecond: rate(messages, singlesDelivered - singlesStart),
      lastDeliveredAfterMs: singlesDelivered - singlesStart,
    },
    batches: {
      messages: batches * BATCH_SIZE,
      batchSize: BATCH_SIZE,
      acceptedPerSecond: rate(batches * BATCH_SIZE, batchAccepted - batchStart),
      msPerBatch: Math.round((batchAccepted - batchStart) / batches),
      deliveredPerSecond: rate(batches * BATCH_SIZE, batchDelivered - batchStart),
    },
    refused,
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await hub.stop();
  await rm(dataDir, { recursive: true, force: true });
}
