/**
 * bench/segments: segment refresh time at scale, and what a refresh does to the API meanwhile, on the
 * embedded store (PGlite) and PostgreSQL side by side.
 *
 *   node bench/segments.ts [--contacts 100000] [--orders 5] [--modes embedded,postgres]
 *
 * One hub per mode (startTestHub: API, bus and workers in one process). `--contacts` contacts and about
 * `--orders` ledger lines each over 400 days (statuses, credit notes, categories) are written straight
 * to the store. Then, for each segment below: create (its first fill), refresh, change its filter
 * (PUT, refilled, after every segment's create and refresh: its events keep the bus busy for minutes),
 * each timed; while each refresh runs, a client calls GET /v1/me back to back, and its
 * p50/p99 are compared with the same client's figures when nothing else runs. The CPU time spent
 * during the refresh by the hub process (the embedded store runs in it, and so does the probing client) and
 * by PostgreSQL's server processes for the hub's database says what it costs whatever else the machine runs.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startTestHub, type TestHub, type TestHubMode } from '../test/support/hub.ts';

const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '100000' }, orders: { type: 'string', default: '5' }, modes: { type: 'string', default: 'embedded,postgres' } },
});
const CONTACTS = Number(values.contacts);
const ORDERS = Number(values.orders);

const SEGMENTS: { name: string; filter: unknown; changed: unknown }[] = [
  { name: 'Champions (RFM group)', filter: { kind: 'rfm', groups: ['Champions'] }, changed: { kind: 'rfm', groups: ['Champions', 'Loyal'] } },
  { name: 'value tier high', filter: { kind: 'valueTier', tiers: ['high'] }, changed: { kind: 'valueTier', tiers: ['high', 'medium'] } },
  { name: 'VIP (customer tier)', filter: { kind: 'customerTier', tiers: ['vip'] }, changed: { kind: 'customerTier', tiers: ['vip', 'regular'] } },
  { name: '2+ orders in 90 days', filter: { kind: 'purchases', within: '90d', count: { gte: 2 } }, changed: { kind: 'purchases', within: '60d', count: { gte: 2 } } },
  { name: 'make-up last bought > 30 days', filter: { kind: 'categoryLastBought', categories: ['maquillage'], op: 'olderThan', value: '30d' }, changed: { kind: 'categoryLastBought', categories: ['maquillage'], op: 'olderThan', value: '45d' } },
];

async function seed(hub: TestHub) {
  const db = hub.hub.store;
  for (let from = 1; from <= CONTACTS; from += 20_000) {
    const to = Math.min(CONTACTS, from + 19_999);
    await db.query(
      `INSERT INTO contacts (id, tenant_id, phone, source, attributes) SELECT 'ctb' || lpad(g::text, 7, '0'), $1, '+3361' || lpad(g::text, 7, '0'), 'bench', jsonb_build_object('n', g)
       FROM generate_series($2::int, $3::int) g`,
      [hub.tenantId, from, to],
    );
    // About ORDERS lines per contact (0 to 2×ORDERS), spread by a hash of the contact and line numbers.
    await db.query(
      `INSERT INTO purchases (tenant_id, source, order_id, contact_id, kind, status, counts, amount, currency, value, placed_at, modified_at, categories, event_id, received_at)
       SELECT $1, 'bench', g || '-' || n, 'ctb' || lpad(g::text, 7, '0'), CASE WHEN h % 41 = 0 THEN 'credit_note' ELSE 'order' END,
         CASE WHEN h % 13 = 0 THEN 'cancelled' ELSE 'completed' END, h % 41 <> 0 AND h % 13 <> 0,
         CASE WHEN h % 41 = 0 THEN -(h % 50) - 1 ELSE 5 + h % 300 END, 'EUR',
         CASE WHEN h % 41 = 0 THEN -(h % 50) - 1 WHEN h % 13 = 0 THEN 0 ELSE 5 + h % 300 END,
         now() - ((h % 400) || ' days')::interval, now() - ((h % 400) || ' days')::interval,
         CASE h % 4 WHEN 0 THEN ARRAY['maquillage'] WHEN 1 THEN ARRAY['soin'] WHEN 2 THEN ARRAY['accessoires'] ELSE ARRAY['maquillage', 'soin'] END, 'evb' || g || '-' || n, now()
       FROM generate_series($2::int, $3::int) g, LATERAL (SELECT n, abs(hashint4(g * 31 + n)) AS h FROM generate_series(1, $4::int) n) x
       WHERE x.n <= 1 + abs(hashint4(g)) % ($4::int)`,
      [hub.tenantId, from, to, ORDERS * 2],
    );
  }
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM purchases');
  return row!.n;
}

/** GET /v1/me back to back until `until` resolves: latencies in ms. */
async function probe(hub: TestHub, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    await hub.api('/v1/me');
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** CPU time of the PostgreSQL server processes serving the hub's database, in ms (0 for the embedded store, whose work is the hub process's). */
async function postgresCpuMs(hub: TestHub): Promise<number> {
  if (hub.hub.store.kind !== 'postgres') return 0;
  const backends = await hub.hub.store.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  let ticks = 0;
  for (const { pid } of backends) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks * 10; // 100 ticks a second
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

async function measure(mode: TestHubMode) {
  const hub = await startTestHub(mode);
  try {
    const loadBefore = loadavg().map((value) => value.toFixed(1)).join(' ');
    const lines = await seed(hub);
    const idle = await probe(hub, new Promise((resolve) => setTimeout(resolve, 3_000)));
    const rows = [];
    for (const segment of SEGMENTS) {
      const created = await timed(() => hub.api('/v1/segments', { body: { name: segment.name, filter: segment.filter } }));
      if (created.result.status !== 201) throw new Error(`${segment.name}: ${JSON.stringify(created.result.body)}`);
      const id = created.result.body.id as string;
      const cpu = process.cpuUsage();
      const serverCpu = await postgresCpuMs(hub);
      const refresh = timed(() => hub.api(`/v1/segments/${id}/refresh`, { method: 'POST' }));
      const during = await probe(hub, refresh);
      const refreshed = await refresh;
      const { user, system } = process.cpuUsage(cpu);
      const server = (await postgresCpuMs(hub)) - serverCpu;
      rows.push({ id, segment, members: refreshed.result.body.members as number, create: created.ms, refresh: refreshed.ms, cpu: (user + system) / 1000 + server, change: NaN, p50: quantile(during, 0.5), p99: quantile(during, 0.99), calls: during.length });
      process.stderr.write(`${mode}: ${segment.name} ${JSON.stringify(rows.at(-1))}\n`);
    }
    // Filter changes last: each publishes an event per contact entering or leaving (thousands), whose dispatch
    // keeps the hub busy for minutes afterwards; measured after the refreshes, it does not weigh on them.
    for (const row of rows) {
      const changed = await timed(() => hub.api(`/v1/segments/${row.id}`, { method: 'PUT', body: { name: row.segment.name, filter: row.segment.changed } }));
      row.change = changed.ms;
    }
    return { mode, lines, load: `${loadBefore} → ${loadavg().map((value) => value.toFixed(1)).join(' ')}`, idle: { p50: quantile(idle, 0.5), p99: quantile(idle, 0.99) }, rows };
  } finally {
    await hub.close();
  }
}

const results = [];
for (const mode of values.modes.split(',') as TestHubMode[]) {
  process.stderr.write(`${mode}: ${CONTACTS} contacts…\n`);
  results.push(await measure(mode));
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const out: string[] = [];
for (const result of results) {
  out.push(`\n${result.mode}: ${CONTACTS} contacts, ${result.lines} ledger lines, load average ${result.load}; GET /v1/me alone: p50 ${result.idle.p50.toFixed(1)} ms, p99 ${result.idle.p99.toFixed(1)} ms\n`);
  out.push('| segment | members | create | refresh | its CPU time | change filter | GET /v1/me during refresh p50 / p99 (calls) |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of result.rows) out.push(`| ${row.segment.name} | ${row.members} | ${s(row.create)} | ${s(row.refresh)} | ${s(row.cpu)} | ${s(row.change)} | ${row.p50.toFixed(1)} / ${row.p99.toFixed(1)} ms (${row.calls}) |`);
}
// A piped stdout is written asynchronously: exit only once the tables are out.
await new Promise((resolve) => process.stdout.write(`${out.join('\n')}\n`, resolve));
process.exit(0);
