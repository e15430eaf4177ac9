/**
 * The SMPP server's promise to an ESME: a submit_sm answered with a message id is durable. A flood of
 * submit_sm from a transmitter, the hub killed with SIGKILL in the middle, restarted on the same
 * store: every acknowledged message is handed to the sending core, leaves to the operator's SMSC
 * (Net::SMPP, which keeps its receipts while the hub is down, as an SMSC does), and its receipt comes
 * back to the ESME's receiver with the id the ESME was given; the ESME resends what was not
 * acknowledged, as Kannel or Campaign would, so the only copies are those in flight at the kill.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TestEsme } from '../src/smpp/server/test-support.ts';
import { freePort, startProcess, type RunningProcess } from './support/processes.ts';
import { startNetSmppSmsc } from './support/smsc-netsmpp.ts';
import { freshHubEnv } from './support/crash-hub.ts';

const HUB = new URL('../src/main.ts', import.meta.url).pathname;
const TOTAL = 2000;
const WINDOW = 50;
// +33 6 12 xxxx 99: valid French mobiles, none ending like the sandbox's magic test numbers (…00000N).
const destination = (index: number) => `33612${String(index).padStart(4, '0')}99`;

describe.each(['embedded', 'postgres+redis'] as const)('SIGKILL during a submit_sm flood (%s)', (mode) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('hands every acknowledged submit_sm to the sending core and sends its receipt', { timeout: 300_000 }, async () => {
    const smppPort = await freePort();
    const { env, apiKey } = await freshHubEnv(mode, cleanups, { HUB_SMPP_PORT: String(smppPort), HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    const port = await freePort();
    let hub: RunningProcess = await startProcess(HUB, env, port);
    cleanups.push(() => hub.stop('SIGKILL'));
    const api = async (path: string, method: string, body: unknown) => {
      const response = await fetch(hub.url + path, { method, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const smsc = await startNetSmppSmsc({ receipt_delay_ms: 20 });
    cleanups.push(() => smsc.close());
    expect((await api('/v1/sending/providers/sms', 'PUT', { kind: 'smpp', settings: { host: '127.0.0.1', port: smsc.port, systemId: 'hub' }, secrets: { password: 'secret' } })).status).toBe(200);
    expect((await api('/v1/smpp/accounts', 'POST', { systemId: 'flood', password: 'flood123', throughputPerSecond: null })).status).toBe(201);

    // The flood: WINDOW submit_sm in flight; SIGKILL once a third are acknowledged.
    const acknowledged = new Map<number, string>();
    const submitAll = async (indexes: number[], onAck: () => Promise<void>) => {
      const transmitter = await TestEsme.connect(smppPort, { window: WINDOW });
      expect(await transmitter.bind('transmitter', 'flood', 'flood123')).toBe(0);
      const queue = [...indexes];
      await Promise.all(
        Array.from({ length: WINDOW }, async () => {
          for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
            try {
              const { status, id } = await transmitter.submit({ destination_addr: destination(index), text: `Flood ${index}` });
              if (status === 0) acknowledged.set(index, id);
            } catch {
              // The connection died with the hub: not acknowledged, resent after the restart.
            }
            await onAck();
          }
        }),
      );
      await transmitter.close().catch(() => {});
    };
    let killed = false;
    await submitAll(
      Array.from({ length: TOTAL }, (_, index) => index),
      async () => {
        if (!killed && acknowledged.size >= TOTAL / 3) {
          killed = true;
          await hub.stop('SIGKILL');
        }
      },
    );
    expect(killed).toBe(true);
    const ackedBeforeKill = acknowledged.size;
    const idsBeforeKill = new Map(acknowledged);

    // Restart on the same store; a receiver binds (receipts were kept meanwhile); the ESME resends the rest.
    hub = await startProcess(HUB, env, port);
    const receiver = await TestEsme.bound(smppPort, 'flood', 'flood123', 'receiver');
    cleanups.push(() => receiver.close());
    const unacknowledged = Array.from({ length: TOTAL }, (_, index) => index).filter((index) => !acknowledged.has(index));
    await submitAll(unacknowledged, async () => {});
    expect(acknowledged.size).toBe(TOTAL);

    // Every id the ESME was given comes back in a receipt: stored, handed off, sent.
    const ids = new Set(acknowledged.values());
    const receipted = () => new Set(receiver.receipts().map((pdu) => pdu.receipted_message_id));
    await receiver.waitFor(() => [...ids].every((id) => receipted().has(id)), `receipts for all ${TOTAL} acknowledged ids`, 240_000).catch(async (error: unknown) => {
      const missing = [...acknowledged].filter(([, id]) => !receipted().has(id));
      const probe = await TestEsme.bound(smppPort, 'flood', 'flood123', 'transmitter');
      const states = await Promise.all(missing.slice(0, 5).map(async ([index, id]) => ({ index, id, before: idsBeforeKill.has(index), query: await probe.session.request({ command: 'query_sm', message_id: id, source_addr: 'Shop', source_addr_ton: 5 }) })));
      throw new Error(`${(error as Error).message}; missing ${missing.length}: ${JSON.stringify(states)}`);
    });
    for (const [index, id] of idsBeforeKill) expect(receipted().has(id), `receipt for message ${index} (${id}), acknowledged before the kill`).toBe(true);

    // Copies: each destination was meant once; the extra ones are submit_sm stored but cut off before
    // their submit_sm_resp (in flight at the kill, at most one window), then resent by the ESME.
    const perDestination = new Map<string, Set<string>>();
    for (const pdu of receiver.receipts()) perDestination.set(pdu.source_addr, (perDestination.get(pdu.source_addr) ?? new Set()).add(pdu.receipted_message_id!));
    expect(perDestination.size).toBe(TOTAL);
    const copies = [...perDestination.values()].reduce((sum, messages) => sum + messages.size - 1, 0);
    expect(copies).toBeLessThanOrEqual(WINDOW);
    console.log(`[kill9 smpp ${mode}] ${ackedBeforeKill} submit_sm acknowledged before SIGKILL, all ${TOTAL} receipted after restart, ${copies} extra copies (in flight at the kill, window ${WINDOW})`);
  });
});
