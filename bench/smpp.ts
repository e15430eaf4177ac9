/**
 * bench/smpp: submit_sm/s and submit_sm_resp latency (p50/p99) of the hub's SMPP server beside a bare
 * echo server built on the same PDU library (our codec + SmppSession, answering at once with a counter
 * id, storing nothing), with the same client, at window 10 and 100, in one run.
 *
 * The hub is a whole embedded hub (PGlite, store queue, sandbox provider; or PostgreSQL with
 * --postgres): every part is durable before its submit_sm_resp (the submit journal on PGlite, the inbox
 * commit on PostgreSQL), the forwarder hands messages to
 * the sending core meanwhile, and receipts come back (registered_delivery 1) to a receiver bound for the
 * whole run, as Campaign Classic binds (a transmitter for submit_sm, a receiver for receipts). Each run
 * starts on a quiet hub (the previous run's messages delivered, events dispatched, receipts acknowledged).
 * Client and servers share this process and its CPU, as in bench/smpp-protocol-throughput.
 *
 *   node bench/smpp.ts [--messages 20000] [--postgres] [--no-forward]
 *
 * --postgres: a fresh database on the test server (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432),
 * dropped at the end. --no-forward: the forwarder is stopped, to see the submit_sm path alone.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { SmppSession } from '../src/smpp-protocol/index.ts';
import { submitFlood } from './support/submit-flood.ts';
import { createAccount } from '../src/smpp/accounts/account-store.ts';
import { CreateAccountSchema } from '../src/smpp/accounts/account.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { createTestDatabase } from '../test/support/stores.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    postgres: { type: 'boolean', default: false },
    'no-forward': { type: 'boolean', default: false },
  },
});
const messages = Number(values.messages);
const WINDOWS = [10, 100];

/** The baseline: binds anyone, answers every submit_sm at once. */
async function startBareServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    const session = new SmppSession(socket, { window: 100, maxOwedResponses: 1000 });
    let next = 0;
    session.on('request', (pdu) => {
      if (pdu.command === 'bind_transmitter') void session.respond(pdu, { command: 'bind_transmitter_resp', system_id: 'bare' });
      else if (pdu.command === 'submit_sm') void session.respond(pdu, { command: 'submit_sm_resp', message_id: (++next).toString(36).padStart(10, '0') });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface Result {
  submitPerSecond: number;
  p50: number;
  p99: number;
}

/** One client session: `window` workers, each sending its next submit_sm as soon as the previous one is answered. */
async function run(port: number, window: number, credentials: { systemId: string; password: string }): Promise<Result> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const client = new SmppSession(socket, { window, maxOwedResponses: 10 * window, enquireLinkIntervalMs: 0 });
  // A transmitter, as Campaign Classic binds: receipts go to the receiver bound for the whole run.
  client.on('request', (pdu) => {
    if (pdu.command === 'deliver_sm') void client.respond(pdu, { command: 'deliver_sm_resp' });
  });
  const bind = await client.request({ command: 'bind_transmitter', system_id: credentials.systemId, password: credentials.password });
  if (bind.command_status !== 0) throw new Error(`bind failed: ${bind.command_status}`);
  const { seconds, latencyMs } = await submitFlood(client, {
    window,
    messages,
    submit: {
      source_addr: 'Shop',
      source_addr_ton: 5,
      destination_addr: '33612345678',
      dest_addr_ton: 1,
      registered_delivery: 1,
      data_coding: 0,
      short_message: Buffer.from('Your order #1234 has shipped and will arrive tomorrow. Reply STOP to opt out.'),
    },
  });
  const close = setTimeout(() => client.destroy('bench done'), 2_000);
  await client.unbind();
  clearTimeout(close);
  return { submitPerSecond: Math.round(messages / seconds), p50: latencyMs(0.5), p99: latencyMs(0.99) };
}

const bare = await startBareServer();
const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-smpp-'));
const database = values.postgres ? await createTestDatabase() : undefined;
const env = {
  PORT: '0',
  HUB_HOST: '127.0.0.1',
  HUB_DATA_DIR: dataDir,
  HUB_LOG_LEVEL: 'silent',
  HUB_SMPP_PORT: '0',
  ...(database ? { DATABASE_URL: database.url, HUB_SECRET_KEY: randomBytes(32).toString('base64') } : {}),
};
const hub = await createHub(loadConfig(env), { logger: pino({ level: 'silent' }) });
await hub.start();
if (values['no-forward']) await hub.smpp.forwarder.stop();
const tenant = await createTenant(hub.store, 'bench');
await hub.sending.registry.put(tenant.id, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 1000 } });
const credentials = { systemId: `bench${randomBytes(3).toString('hex')}`, password: 'bench123' };
await createAccount(hub.store, tenant.id, CreateAccountSchema.parse({ ...credentials, throughputPerSecond: null }));

// A receiver bound for the whole run takes the receipts (the measured sessions come and go).
const receiverSocket = net.connect(hub.smpp.server.port!, '127.0.0.1');
await once(receiverSocket, 'connect');
const receiver = new SmppSession(receiverSocket, { window: 100, enquireLinkIntervalMs: 0 });
receiver.on('request', (pdu) => {
  if (pdu.command === 'deliver_sm') void receiver.respond(pdu, { command: 'deliver_sm_resp' });
});
await receiver.request({ command: 'bind_receiver', system_id: credentials.systemId, password: credentials.password });

const rows: string[] = [];
let submitted = 0;
for (const window of WINDOWS) {
  const baseline = await run(bare.port, window, { systemId: 'any', password: 'any' });
  const started = performance.now();
  const measured = await run(hub.smpp.server.port!, window, credentials);
  // How long the forwarder needs to hand every accepted message to the sending core (on the embedded
  // store a part may still be in the submit journal, not yet in the inbox: count what was handed off).
  submitted += messages;
  let lastProgress = Date.now();
  while (!values['no-forward']) {
    const [row] = await hub.store.query<{ waiting: number; handed: number }>(
      `SELECT (SELECT count(*)::int FROM smpp_inbox) AS waiting, (SELECT count(*)::int FROM smpp_submits) AS handed`,
    );
    if (row!.waiting === 0 && row!.handed >= submitted) break;
    if (Date.now() - lastProgress > 5_000) {
      lastProgress = Date.now();
      const statuses = await hub.store.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM messages GROUP BY status');
      process.stderr.write(`  waiting to hand off: ${row!.waiting}; hub messages: ${statuses.map((entry) => `${entry.status} ${entry.count}`).join(', ')}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const handedOffPerSecond = values['no-forward'] ? '–' : Math.round(messages / ((performance.now() - started) / 1000));
  // The next run starts on a quiet hub: every message submitted, its receipt applied, its events
  // dispatched and delivered, its SMPP receipt acknowledged by the receiver.
  while (!values['no-forward']) {
    const [row] = await hub.store.query<{ busy: number }>(
      `SELECT (SELECT count(*) FROM messages WHERE status IN ('accepted', 'scheduled', 'submitted'))
            + (SELECT count(*) FROM events WHERE dispatched_at IS NULL)
            + (SELECT count(*) FROM event_deliveries WHERE status = 'pending')
            + (SELECT count(*) FROM smpp_outbox WHERE state = 'pending') AS busy`,
    );
    if (Number(row!.busy) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ratio = measured.submitPerSecond / baseline.submitPerSecond;
  rows.push(
    `| ${window} | bare | ${baseline.submitPerSecond} | ${baseline.p50} | ${baseline.p99} | |`,
    `| ${window} | hub (${hub.store.kind}) | ${measured.submitPerSecond} (${(ratio * 100).toFixed(0)} %) | ${measured.p50} | ${measured.p99} | ${handedOffPerSecond} |`,
  );
}
console.log(`${messages} submit_sm per run, one client session, registered_delivery 1\n`);
console.log('| window | server | submit_sm/s | resp p50 ms | resp p99 ms | handed to the sending core /s |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

receiver.destroy('bench done');
await hub.stop();
await bare.close();
await database?.drop();
await rm(dataDir, { recursive: true, force: true });
