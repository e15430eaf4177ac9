/**
 * bench/automation: the automation engine in one hub process, embedded (PGlite, store queue) and
 * PostgreSQL + Redis (BullMQ).
 *
 *   node bench/automation.ts [--runs 2000] [--pending 100000] [--probes 300] [--modes embedded,postgres+redis]
 *
 * - started/s: `--runs` trigger events published on the bus (contacts exist); time until every run
 *   has entered and parked on its first wait (bus dispatch → scenario delivery → run → wait job).
 * - fired/s: `--runs` runs wait until one common instant (untilDate); time from that instant until
 *   every wait has ended and the run completed (a condition and an exit step after it); lateness =
 *   when the wait step ended − its `until`.
 * - pending: `--pending` waiting runs and their delayed wake jobs (1 day ahead), written straight to
 *   the store and the queue as the engine would (starting them through the bus would take minutes);
 *   then the process memory; `--probes` runs started among them (started/s), and their waits, due
 *   over 5 s once all have parked, firing among the pending ones (lateness).
 *
 * The figures are for comparing changes on this machine, not a capacity promise.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Hub } from '../src/hub.ts';
import { WAKE_JOB, wakeJobId } from '../src/automation/store-port.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { startTestHub } from '../test/support/hub.ts';
import { TEST_REDIS_URL } from '../test/support/stores.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    pending: { type: 'string', default: '100000' },
    probes: { type: 'string', default: '300' },
    modes: { type: 'string', default: 'embedded,postgres+redis' },
  },
});
const RUNS = Number(values.runs);
const PENDING = Number(values.pending);
const PROBES = Number(values.probes);
const DAY = 86_400_000;

type Mode = 'embedded' | 'postgres+redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** A whole hub in this process, as the end-to-end tests start one (no SMPP listener to clash with a hub on 2775). */
async function openHub(mode: Mode): Promise<{ hub: Hub; close(): Promise<void> }> {
  return startTestHub(mode);
}

/** Redis's own figure for the memory its data set takes (the delayed wake jobs live there). */
async function redisUsedMemory(): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  } finally {
    redis.disconnect();
  }
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 900_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function scenario(hub: Hub, tenantId: string, name: string, steps: unknown[]): Promise<string> {
  const id = `scn_bench_${name}`;
  const definition = { trigger: { kind: 'event', event: `custom.bench_${name}` }, entry: { per: 'contact', reentry: true }, exitEvents: [], steps };
  await hub.store.query(`INSERT INTO scenarios (id, tenant_id, name, status, latest_version, active_version, event_types, trigger_kind) VALUES ($1, $2, $3, 'active', 1, 1, $4, 'event')`, [
    id,
    tenantId,
    name,
    [`custom.bench_${name}`],
  ]);
  await hub.store.query('INSERT INTO scenario_versions (scenario_id, version, tenant_id, definition) VALUES ($1, 1, $2, $3)', [id, tenantId, JSON.stringify(definition)]);
  return id;
}

const count = async (hub: Hub, scenarioId: string, status: string) =>
  (await hub.store.query<{ count: number }>('SELECT count(*)::int AS count FROM scenario_runs WHERE scenario_id = $1 AND status = $2', [scenarioId, status]))[0]!.count;

async function publishAll(hub: Hub, tenantId: string, type: string, contactIds: string[], data: (index: number) => Record<string, unknown>): Promise<void> {
  for (let from = 0; from < contactIds.length; from += 200) {
    await Promise.all(contactIds.slice(from, from + 200).map((contactId, offset) => hub.bus.publish({ tenantId, source: 'bench', type, subject: { contactId }, data: data(from + offset) })));
  }
}

async function lateness(hub: Hub, scenarioId: string, stepId: string): Promise<number[]> {
  const rows = await hub.store.query<{ late: number }>(
    `SELECT extract(epoch FROM (s.finished_at - (s.detail->>'until')::timestamptz)) * 1000 AS late FROM scenario_steps s JOIN scenario_runs r ON r.id = s.run_id
     WHERE r.scenario_id = $1 AND s.step_id = $2 AND s.finished_at IS NOT NULL`,
    [scenarioId, stepId],
  );
  return rows.map((row) => Number(row.late)).sort((a, b) => a - b);
}

async function benchMode(mode: Mode): Promise<Record<string, string>> {
  const { hub, close } = await openHub(mode);
  try {
    const tenantId = (await createTenant(hub.store, 'bench')).id;
    const total = RUNS + PENDING + PROBES;
    await hub.store.query(
      `INSERT INTO contacts (id, tenant_id, phone, first_name, source) SELECT 'con_b' || g, $1, '+3361' || lpad(g::text, 7, '0'), 'Camille', 'bench' FROM generate_series(1, $2::int) g`,
      [tenantId, total],
    );
    const ids = (from: number, size: number) => Array.from({ length: size }, (_, index) => `con_b${from + index + 1}`);
    const after = [
      { id: 'check', type: 'condition', if: { kind: 'field', field: 'contact.firstName', op: 'exists' }, yes: 'fin', no: 'fin' },
      { id: 'fin', type: 'exit' },
    ];

    // 1. Runs started per second, each parking on a one-day wait.
    const parked = await scenario(hub, tenantId, 'start', [{ id: 'attente', type: 'wait', wait: { kind: 'duration', duration: '1d' } }]);
    const started = performance.now();
    await publishAll(hub, tenantId, 'custom.bench_start', ids(0, RUNS), () => ({}));
    await until('runs to start', async () => (await count(hub, parked, 'waiting')) === RUNS);
    const startSeconds = (performance.now() - started) / 1000;
    await hub.automation.engine.cancelRuns(tenantId, parked, undefined);

    // 2. Waits fired per second: all due at one instant, far enough ahead for every run to park first.
    const fire = await scenario(hub, tenantId, 'fire', [{ id: 'attente', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.fireAt' }, next: 'check' }, ...after]);
    const fireAt = new Date(Date.now() + Math.ceil(startSeconds * 1.5 * 1000) + 5_000);
    await publishAll(hub, tenantId, 'custom.bench_fire', ids(0, RUNS), () => ({ fireAt: fireAt.toISOString() }));
    await until('fire runs to park', async () => (await count(hub, fire, 'waiting')) === RUNS);
    await until('fire runs to complete', async () => (await count(hub, fire, 'completed')) === RUNS);
    const fireSeconds = (await hub.store.query<{ last: number }>(`SELECT extract(epoch FROM max(ended_at) - $2::timestamptz) AS last FROM scenario_runs WHERE scenario_id = $1`, [fire, fireAt]))[0]!.last;
    const fireLate = await lateness(hub, fire, 'attente');

    // 3. Many pending waits: rows and delayed jobs as the engine writes them.
    const pendingScenario = await scenario(hub, tenantId, 'pending', [{ id: 'attente', type: 'wait', wait: { kind: 'duration', duration: '1d' }, next: 'check' }, ...after]);
    const memoryBefore = process.memoryUsage();
    const redisBefore = mode === 'postgres+redis' ? await redisUsedMemory() : 0;
    const pendingStarted = performance.now();
    const wakeAt = new Date(Date.now() + DAY);
    for (let from = 0; from < PENDING; from += 10_000) {
      const size = Math.min(10_000, PENDING - from);
      await hub.store.query(
        `INSERT INTO scenario_runs (id, tenant_id, scenario_id, version, contact_id, run_key, status, step_id, trigger_event, started_at, wake_at, wake_job, moves)
         SELECT 'run_p' || g, $1, $2, 1, 'con_b' || g, '', 'waiting', 'attente', '{"id":null,"type":"custom.bench_pending","source":"bench","occurredAt":"","data":{}}', now(), $3, 'auto.wake.run_p' || g || '.attente.0', 1
         FROM generate_series($4::int, $5::int) g`,
        [tenantId, pendingScenario, wakeAt, RUNS + from + 1, RUNS + from + size],
      );
      await hub.store.query(
        `INSERT INTO scenario_steps (run_id, step_id, rotation, tenant_id, step_type, state, detail, started_at)
         SELECT 'run_p' || g, 'attente', 0, $1, 'wait', 'waiting', jsonb_build_object('until', $2::text), now() FROM generate_series($3::int, $4::int) g`,
        [tenantId, wakeAt.toISOString(), RUNS + from + 1, RUNS + from + size],
      );
      for (let batch = 0; batch < size; batch += 1_000) {
        await Promise.all(
          Array.from({ length: Math.min(1_000, size - batch) }, (_, index) => {
            const runId = `run_p${RUNS + from + batch + index + 1}`;
            return hub.queue.add(WAKE_JOB, { tenantId, runId, stepId: 'attente', rotation: 0 }, { jobId: wakeJobId(runId, 'attente', 0), delayMs: DAY });
          }),
        );
      }
    }
    const pendingSeconds = (performance.now() - pendingStarted) / 1000;
    global.gc?.();
    const memoryAfter = process.memoryUsage();
    const redisAfter = mode === 'postgres+redis' ? await redisUsedMemory() : 0;
    const [{ bytes: storeBytes }] = (await hub.store.query<{ bytes: string }>(
      `SELECT pg_total_relation_size('scenario_runs') + pg_total_relation_size('scenario_steps') + pg_total_relation_size('queue_jobs') AS bytes`,
    )) as [{ bytes: string }];

    // Probes: started while the others are pending, then waits spread over 5 s that fire among them.
    const probe = await scenario(hub, tenantId, 'probe', [{ id: 'attente', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.fireAt' }, next: 'check' }, ...after]);
    const probeBase = Date.now() + Math.ceil((PROBES / (RUNS / startSeconds)) * 1.5 * 1000) + 5_000;
    const probeStarted = performance.now();
    await publishAll(hub, tenantId, 'custom.bench_probe', ids(RUNS + PENDING, PROBES), (index) => ({ fireAt: new Date(probeBase + (index * 5_000) / PROBES).toISOString() }));
    await until('probe runs to park', async () => (await count(hub, probe, 'waiting')) === PROBES);
    const probeStartSeconds = (performance.now() - probeStarted) / 1000;
    if (Date.now() > probeBase) console.warn('probes parked after their first fire time: their lateness includes start time');
    await until('probe runs to complete', async () => (await count(hub, probe, 'completed')) === PROBES);
    const probeLate = await lateness(hub, probe, 'attente');
    const pendingCount = await count(hub, pendingScenario, 'waiting');

    return {
      [`runs started/s (${RUNS})`]: `${Math.round(RUNS / startSeconds)}/s`,
      [`waits fired/s (${RUNS} due at once)`]: `${Math.round(RUNS / fireSeconds)}/s`,
      'fire lateness p50 / p99 (all due at once)': `${Math.round(percentile(fireLate, 50))} / ${Math.round(percentile(fireLate, 99))} ms`,
      [`writing ${PENDING} pending waits (rows + delayed jobs)`]: `${pendingSeconds.toFixed(1)} s`,
      'process RSS / heap, before → with pending': `${mb(memoryBefore.rss)} / ${mb(memoryBefore.heapUsed)} → ${mb(memoryAfter.rss)} / ${mb(memoryAfter.heapUsed)} MB`,
      'Redis used_memory, before → with pending': mode === 'postgres+redis' ? `${mb(redisBefore)} → ${mb(redisAfter)} MB` : 'n/a (no Redis)',
      'store size of runs, steps and jobs tables': `${mb(Number(storeBytes))} MB`,
      [`runs started/s with ${pendingCount} pending (${PROBES})`]: `${Math.round(PROBES / probeStartSeconds)}/s`,
      [`fire lateness p50 / p99 (${PROBES} over 5 s, ${pendingCount} pending)`]: `${Math.round(percentile(probeLate, 50))} / ${Math.round(percentile(probeLate, 99))} ms`,
    };
  } finally {
    await close();
  }
}

const modes = values.modes.split(',') as Mode[];
const results: Record<string, Record<string, string>> = {};
for (const mode of modes) {
  console.log(`… ${mode}`);
  results[mode] = await benchMode(mode);
  console.log(results[mode]);
}
const rows = Object.keys(results[modes[0]!]!);
console.log(`\n| | ${modes.join(' | ')} |\n| --- | ${modes.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${row} | ${modes.map((mode) => results[mode]![row]).join(' | ')} |`);
process.exit(0);
