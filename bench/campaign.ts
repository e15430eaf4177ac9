/**
 * bench/campaign: a campaign of `--recipients` contacts (default 100,000) to an SMSC in this process
 * (bench/support/fast-smsc.ts), through a whole hub, on each store; beside it, in the same run, the
 * SMPP provider's raw rate to the same SMSC (what bench/send-smpp.ts measures).
 *
 *   node bench/campaign.ts [--recipients 100000] [--modes embedded,postgres+redis] [--window 10] [--raw-messages 20000]
 *
 * Per mode, on a fresh store: the audience is written straight into it (a list of contacts with SMS
 * consent), the campaign is created and scheduled to start at once (marketing, quiet hours off, no
 * staggering), then timed:
 * - planned: from the schedule call until every recipient has a message in the sending core
 *   (accepted, or blocked with its reason);
 * - delivered: until every message is `delivered` (submitted, its receipt stored, `message.submitted`
 *   and `message.delivered` published); the rate is messages per second over that time;
 * - memory: the process's RSS and JS heap before, at their peak (sampled every second) and after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { createTestDatabase, dropRedisPrefix, TEST_REDIS_URL } from '../test/support/stores.ts';
import { seedAudience } from '../test/support/seed-audience.ts';
import { rawProviderRun, startFastSmsc } from './support/fast-smsc.ts';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100000' },
    modes: { type: 'string', default: 'embedded,postgres+redis' },
    window: { type: 'string', default: '10' },
    'raw-messages': { type: 'string', default: '20000' },
    'timeout-s': { type: 'string', default: '1800' },
  },
});
const recipients = Number(values.recipients);
const window = Number(values.window);
const modes = values.modes.split(',') as ('embedded' | 'postgres+redis')[];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

interface Figures {
  mode: string;
  seedS: number;
  plannedS: number;
  plannedPerSecond: number;
  deliveredS: number;
  deliveredPerSecond: number;
  delivered: number;
  other: string;
  rssMb: [number, number, number];
  heapMb: [number, number, number];
}

async function runMode(mode: 'embedded' | 'postgres+redis', smscPort: number): Promise<Figures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-campaign-'));
  const database = mode === 'embedded' ? undefined : await createTestDatabase();
  const queuePrefix = mode === 'embedded' ? undefined : `benchcmp${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    PORT: '0',
    HUB_HOST: '127.0.0.1',
    HUB_DATA_DIR: dataDir,
    HUB_LOG_LEVEL: 'silent',
    HUB_SMPP_PORT: 'off',
    HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', // the SMSC listens on loopback
    ...(database ? { DATABASE_URL: database.url, HUB_SECRET_KEY: randomBytes(32).toString('base64'), REDIS_URL: TEST_REDIS_URL, HUB_QUEUE_PREFIX: queuePrefix! } : {}),
  });
  const hub = await createHub(config, { logger: pino({ level: 'silent' }) });
  await hub.start();
  try {
    const tenant = await createTenant(hub.store, 'bench');
    await hub.sending.registry.put(tenant.id, 'sms', { kind: 'smpp', settings: { host: '127.0.0.1', port: smscPort, systemId: 'hub', window }, secrets: { password: 'secret' } });
    const current = await hub.sending.settings.get(tenant.id);
    await hub.sending.settings.put(tenant.id, { ...current, quietHours: { ...current.quietHours, enabled: false } });
    const seedStart = performance.now();
    const { listId } = await seedAudience(hub.store, tenant.id, recipients);
    const seedS = (performance.now() - seedStart) / 1000;
    globalThis.gc?.();
    const rss = [process.memoryUsage().rss, 0, 0];
    const heap = [process.memoryUsage().heapUsed, 0, 0];
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      rss[1] = Math.max(rss[1]!, usage.rss);
      heap[1] = Math.max(heap[1]!, usage.heapUsed);
    }, 1_000);
    const campaign = await hub.campaigns.create(tenant.id, {
      name: 'bench',
      channel: 'sms',
      category: 'marketing',
      audience: { listId },
      message: { text: 'Bonjour {{ contact.firstName | default: "client" }}, -20% ce week-end sur toute la boutique !' },
    });
    const started = performance.now();
    await hub.campaigns.schedule(tenant.id, campaign.id);
    const deadline = Date.now() + Number(values['timeout-s']) * 1000;
    let plannedS = 0;
    let last = await hub.campaigns.results(tenant.id, campaign.id);
    for (;;) {
      last = await hub.campaigns.results(tenant.id, campaign.id);
      if (plannedS === 0 && last.targeted !== null && last.planned === last.targeted) plannedS = (performance.now() - started) / 1000;
      const ended = last.delivered + last.failed + last.expired + last.blocked;
      if (last.targeted !== null && ended >= last.targeted) break;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(last)}`);
      await sleep(250);
    }
    const deliveredS = (performance.now() - started) / 1000;
    clearInterval(sampler);
    globalThis.gc?.();
    rss[2] = process.memoryUsage().rss;
    heap[2] = process.memoryUsage().heapUsed;
    return {
      mode,
      seedS,
      plannedS,
      plannedPerSecond: Math.round(recipients / plannedS),
      deliveredS,
      deliveredPerSecond: Math.round(last.delivered / deliveredS),
      delivered: last.delivered,
      other: `failed ${last.failed}, expired ${last.expired}, blocked ${last.blocked}`,
      rssMb: rss.map(mb) as [number, number, number],
      heapMb: heap.map(mb) as [number, number, number],
    };
  } finally {
    await hub.stop();
    await rm(dataDir, { recursive: true, force: true });
    await database?.drop();
    if (queuePrefix) await dropRedisPrefix(queuePrefix);
  }
}

const smsc = await startFastSmsc();
try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${mb(totalmem())} MB, Node ${process.version}; ${recipients} recipients, SMPP window ${window}`);
  const raw = await rawProviderRun({ port: smsc.port, messages: Number(values['raw-messages']), window, concurrency: 200 });
  console.log(`raw SMPP provider to the same SMSC: ${raw.submitsPerSecond} submits/s (${raw.receipts} receipts after ${(raw.receiptsAfterMs / 1000).toFixed(1)} s)`);
  const results: Figures[] = [];
  for (const mode of modes) {
    const figures = await runMode(mode, smsc.port);
    results.push(figures);
    console.log(JSON.stringify(figures));
  }
  console.log('');
  console.log(`| | ${results.map((figures) => figures.mode).join(' | ')} |`);
  console.log(`| --- |${results.map(() => ' ---: |').join('')}`);
  const row = (label: string, cell: (figures: Figures) => string) => console.log(`| ${label} | ${results.map(cell).join(' | ')} |`);
  row(`planned (${recipients} accepted or blocked)`, (f) => `${f.plannedS.toFixed(1)} s (${f.plannedPerSecond}/s)`);
  row('delivered, SMS/s', (f) => `${f.deliveredPerSecond}/s (${f.delivered} in ${f.deliveredS.toFixed(1)} s)`);
  row('× raw provider rate', (f) => `${(f.deliveredPerSecond / raw.submitsPerSecond).toFixed(3)}`);
  row('not delivered', (f) => f.other);
  row('RSS before / peak / after, MB', (f) => f.rssMb.join(' / '));
  row('JS heap before / peak / after, MB', (f) => f.heapMb.join(' / '));
  row('writing the audience', (f) => `${f.seedS.toFixed(1)} s`);
} finally {
  await smsc.close();
}
