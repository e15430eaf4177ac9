/**
 * bench/purchases: does recording orders into the purchase ledger keep up with accepting them?
 *
 *   node bench/purchases.ts [--events 6000] [--contacts 1000] [--connections 50] [--modes embedded,postgres]
 *
 * One hub process per mode (startTestHub: API, bus and workers together, as `npm start` runs them).
 * `--connections` clients POST `order.created` events to /v1/events as fast as the hub answers (each for
 * one of `--contacts` customers, a new order id each), while the ledger's row count is sampled.
 * accepted/s: events answered 201 over the posting time; recorded/s: ledger rows over the time from the
 * first post to the last row; lag: when the last row landed after the last 201.
 */
import { parseArgs } from 'node:util';
import { startTestHub, type TestHubMode } from '../test/support/hub.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '6000' },
    contacts: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    modes: { type: 'string', default: 'embedded,postgres' },
  },
});
const EVENTS = Number(values.events);
const CONTACTS = Number(values.contacts);
const CONNECTIONS = Number(values.connections);

async function measure(mode: TestHubMode) {
  const hub = await startTestHub(mode);
  try {
    const count = async () => (await hub.hub.store.query<{ n: number }>('SELECT count(*)::int AS n FROM purchases'))[0]!.n;
    let next = 0;
    let refused = 0;
    const started = Date.now();
    const client = async () => {
      for (let i = next++; i < EVENTS; i = next++) {
        const phone = `+336${String(10_000_000 + (i % CONTACTS)).padStart(8, '0')}`;
        const response = await hub.api('/v1/events', {
          body: { type: 'order.created', source: 'bench', dedupeKey: `o-${i}`, subject: { phone }, data: { orderId: `o-${i}`, status: 'processing', total: { amount: 10 + (i % 90), currency: 'EUR' } } },
        });
        if (response.status !== 201) refused++;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, client));
    const accepted = Date.now();
    let recorded = await count();
    while (recorded < EVENTS - refused) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      recorded = await count();
      if (Date.now() - accepted > 600_000) break;
    }
    const done = Date.now();
    return {
      mode,
      accepted: Math.round(((EVENTS - refused) / (accepted - started)) * 1000),
      recorded: Math.round((recorded / (done - started)) * 1000),
      lagMs: done - accepted,
      refused,
      rows: recorded,
    };
  } finally {
    await hub.close();
  }
}

const results = [];
for (const mode of values.modes.split(',') as TestHubMode[]) {
  console.error(`${mode}: ${EVENTS} order events, ${CONNECTIONS} connections…`);
  results.push(await measure(mode));
}
const table = [
  '| mode | events | accepted/s | recorded/s | last row after last 201 | refused |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((result) => `| ${result.mode} | ${result.rows} | ${result.accepted} | ${result.recorded} | ${(result.lagMs / 1000).toFixed(1)} s | ${result.refused} |`),
].join('\n');
// A piped stdout is written asynchronously: exit only once the table is out.
await new Promise((resolve) => process.stdout.write(`${table}\n`, resolve));
process.exit(0);
