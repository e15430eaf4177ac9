/**
 * bench/ingest: events/s accepted by POST /v1/events (authenticated, validated against the catalog,
 * deduplicated, committed before the answer, dispatch enqueued) beside a bare Fastify route, in one
 * run on the same machine. Each target runs in its own process; autocannon drives it from this one.
 *
 *   node bench/ingest.ts [--seconds 10] [--connections 50]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createTestDatabase, TEST_REDIS_URL } from '../test/support/stores.ts';
import { freePort, startProcess, type RunningProcess } from '../test/support/processes.ts';
import { measureWooCommerceWebhooks } from './support/woocommerce-webhooks.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const apiKey = `hub_bench_${randomBytes(16).toString('hex')}`;
const root = new URL('..', import.meta.url).pathname;

interface Result {
  target: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

let sequence = 0;
const eventBody = () =>
  JSON.stringify({
    type: 'order.created',
    source: 'bench',
    dedupeKey: `bench-${process.pid}-${sequence++}`,
    subject: { phone: '+33612345678', email: 'camille@example.fr' },
    data: { orderId: String(sequence), status: 'processing', total: { amount: 59.9, currency: 'EUR' }, lines: [{ productId: '77', name: 'Bougie', quantity: 2, total: 59.9 }] },
  });

async function load(target: string, url: string): Promise<Result> {
  const result = await autocannon({
    url: `${url}/v1/events`,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, setupRequest: (request) => ({ ...request, body: eventBody() }) }],
  });
  return { target, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function measure(target: string, start: () => Promise<RunningProcess>, cleanup: () => Promise<void> = async () => {}): Promise<Result> {
  const running = await start();
  try {
    await load(target, running.url).catch(() => undefined); // warm-up: JIT, connection pools, first pages
    return await load(target, running.url);
  } finally {
    await running.stop();
    await cleanup();
  }
}

const hubScript = join(root, 'src/main.ts');
const results: Result[] = [];
results.push(await measure('bare Fastify route', async () => startProcess(join(root, 'bench/support/bare-server.ts'), {}, await freePort())));

const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
results.push(
  await measure(
    'hub, embedded (PGlite + store queue)',
    async () => startProcess(hubScript, { HUB_DATA_DIR: dataDir, HUB_BOOTSTRAP_API_KEY: apiKey, HUB_LOG_LEVEL: 'warn' }, await freePort()),
    () => rm(dataDir, { recursive: true, force: true }),
  ),
);

for (const withRedis of [false, true]) {
  const database = await createTestDatabase();
  results.push(
    await measure(
      `hub, PostgreSQL${withRedis ? ' + BullMQ/Redis' : ' (store queue)'}`,
      async () =>
        startProcess(
          hubScript,
          {
            DATABASE_URL: database.url,
            HUB_SECRET_KEY: randomBytes(32).toString('base64'),
            HUB_BOOTSTRAP_API_KEY: apiKey,
            HUB_LOG_LEVEL: 'warn',
            ...(withRedis ? { REDIS_URL: TEST_REDIS_URL, HUB_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}` } : {}),
          },
          await freePort(),
        ),
      () => database.drop(),
    ),
  );
}

// Connectors: signed WooCommerce webhooks accepted per second (bench/support/woocommerce-webhooks.ts).
results.push(...(await measureWooCommerceWebhooks({ hubScript, apiKey, seconds, connections })));

const bare = results[0]!.requestsPerSecond;
console.log(`\nbench/ingest: POST /v1/events, ${connections} connections, ${seconds} s per target, ${cpus().length} cores, Node ${process.version}\n`);
console.log('| target | events/s | ratio to bare | p50 ms | p99 ms | non-2xx | errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const result of results) {
  console.log(
    `| ${result.target} | ${Math.round(result.requestsPerSecond)} | ${(result.requestsPerSecond / bare).toFixed(3)} | ${result.p50} | ${result.p99} | ${result.non2xx} | ${result.errors} |`,
  );
}
