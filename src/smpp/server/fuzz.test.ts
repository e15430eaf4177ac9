/**
 * A million random and mutated PDUs against the hub's SMPP server over several TCP connections
 * (unknown commands, bad and inconsistent lengths, truncated C-strings and TLVs, requests in the wrong
 * bind state, binds with wrong credentials, a bound session flooding past its throughput limit, and
 * connections cut mid-PDU), while a well-behaved transceiver keeps submitting and receiving its
 * receipts. The property: the process stays up, the good session sees nothing but success, and the
 * heap is as small after the storm as before it.
 */
import { once } from 'node:events';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { CommandId, encodePdu } from '../../smpp-protocol/index.ts';
import type { PduInput } from '../../smpp-protocol/index.ts';
import { TestEsme, waitFor } from './test-support.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5eed_0003;
const TOTAL_PDUS = 1_000_000;
const CONNECTIONS = 8;
const ROUNDS_PER_CONNECTION = 5;
const PER_ROUND = TOTAL_PDUS / (CONNECTIONS * ROUNDS_PER_CONNECTION);

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

/** PDUs that decode: requests in every state, responses nobody asked for, binds that must fail. */
const SEEDS: PduInput[] = [
  { command: 'enquire_link' },
  { command: 'submit_sm', source_addr: 'Shop', destination_addr: '33612345678', data_coding: 0, short_message: Buffer.from('Hello there') },
  { command: 'submit_sm', destination_addr: '33612345678', data_coding: 8, esm_class: 0x40, short_message: Buffer.from([5, 0, 3, 9, 2, 1, 0, 0x41]) },
  { command: 'submit_sm', destination_addr: '336', data_coding: 0, message_payload: Buffer.alloc(300, 0x41) },
  { command: 'query_sm', message_id: 'Ab12Cd34Ef' },
  { command: 'cancel_sm', message_id: 'Ab12Cd34Ef' },
  { command: 'deliver_sm', destination_addr: '36000', data_coding: 0, esm_class: 4, short_message: Buffer.from('id:abc stat:DELIVRD'), receipted_message_id: 'abc', message_state: 2 },
  { command: 'data_sm', destination_addr: '1', data_coding: 0 },
  { command: 'deliver_sm_resp' },
  { command: 'submit_sm_resp', message_id: 'x' },
  { command: 'generic_nack', command_status: 3 },
  { command: 'bind_transmitter', system_id: 'nobody', password: 'guess' },
];
const VALID = SEEDS.map((seed) => encodePdu({ ...seed, sequence_number: 1 + int(1_000_000) }));
// unbind ends a session (§4.2): it is one of the round terminals, not a mid-stream mutation.
const COMMAND_IDS = Object.values(CommandId).filter((id) => id !== CommandId.unbind);

function withLength(body: Buffer): Buffer {
  body.writeUInt32BE(body.length, 0);
  return body;
}

/** One PDU whose command_length matches its size: framing survives it, everything after the header may be wrong. */
function mutated(): Buffer {
  const base = Buffer.from(pick(VALID));
  switch (int(8)) {
    case 0: {
      // Unknown or reserved command_id.
      base.writeUInt32BE(int(2) === 0 ? 0x00000099 + int(1000) : (0x80000000 | int(0x300)) >>> 0, 4);
      return base;
    }
    case 1: {
      // Random octets in the body.
      for (let i = 0; i < 1 + int(4); i++) if (base.length > 16) base[16 + int(base.length - 16)] = int(256);
      return base;
    }
    case 2:
      // Truncated: a C-string or sm_length runs past the end.
      return withLength(base.subarray(0, 16 + int(Math.max(1, base.length - 16))));
    case 3: {
      // NULs removed: C-strings never end.
      for (let i = 16; i < base.length; i++) if (base[i] === 0) base[i] = 0x41;
      return base;
    }
    case 4: {
      // A broken TLV stream.
      const tlv = Buffer.alloc(4 + int(6));
      tlv.writeUInt16BE(int(0x10000), 0);
      tlv.writeUInt16BE(int(0x10000), 2);
      return withLength(Buffer.concat([base, tlv]));
    }
    case 5:
      // Any known command with the body of another.
      base.writeUInt32BE(pick(COMMAND_IDS), 4);
      return base;
    case 6:
      base.writeUInt32BE(int(2) === 0 ? 0 : 0xffffffff, 12);
      base.writeUInt32BE(int(0x100), 8);
      return base;
    default:
      return base;
  }
}

/** What ends a round: a length framing cannot survive, an unbind, or a cut in the middle of a PDU. */
function terminal(): Buffer {
  switch (int(4)) {
    case 0:
      return Buffer.from([0, 0, 0, 8, 0, 0, 0, 4]);
    case 1: {
      const huge = Buffer.alloc(16);
      huge.writeUInt32BE(0x7fffffff, 0);
      huge.writeUInt32BE(4, 4);
      return huge;
    }
    case 2:
      return encodePdu({ command: 'unbind', sequence_number: 1 });
    default:
      return Buffer.from(pick(VALID)).subarray(0, 10);
  }
}

function roundBuffer(count: number): Buffer {
  const pdus: Buffer[] = [];
  for (let i = 0; i < count; i++) pdus.push(int(4) === 0 ? Buffer.from(pick(VALID)) : mutated());
  pdus.push(terminal());
  return Buffer.concat(pdus);
}

/** Writes the round in large chunks (respecting backpressure), reads and discards the answers, resolves when the server closed or the cut was made. */
async function fuzzRound(port: number, data: Buffer, prefix?: Buffer): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let answered = 0;
  socket.on('data', (chunk: Buffer) => (answered += chunk.length));
  await once(socket, 'connect');
  const payload = prefix ? Buffer.concat([prefix, data]) : data;
  for (let offset = 0; offset < payload.length && !socket.destroyed; offset += 256 * 1024) {
    if (!socket.write(payload.subarray(offset, offset + 256 * 1024))) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
  }
  // A cut mid-PDU leaves the server waiting: once it has answered everything before the cut (no answer
  // for 2.5 s: generous, so a CI machine busy with other suites does not cut answers short), the
  // client goes away as a crashed ESME would.
  const closed = once(socket, 'close');
  let seen = -1;
  const idle = setInterval(() => {
    if (answered === seen) socket.destroy();
    seen = answered;
  }, 2_500);
  await closed;
  clearInterval(idle);
  return answered;
}

describe('SMPP server fuzz', () => {
  let hub: TestHub;
  let port: number;

  beforeAll(async () => {
    hub = await startTestHub('embedded', { HUB_SMPP_PORT: '0' });
    port = hub.hub.smpp.server.port!;
    await hub.hub.sending.registry.put(hub.tenantId, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 20 } });
    await hub.api('/v1/smpp/accounts', { body: { systemId: 'good', password: 'good1234', throughputPerSecond: null } });
    await hub.api('/v1/smpp/accounts', { body: { systemId: 'flood', password: 'flood123', throughputPerSecond: 20, bindTypes: ['transmitter'] } });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it(`stays up and flat under ${TOTAL_PDUS.toLocaleString('en')} hostile PDUs while a good session keeps working`, { timeout: 120_000 }, async () => {
    const good = await TestEsme.bound(port, 'good', 'good1234');
    gc();
    const before = process.memoryUsage();

    let stop = false;
    const goodIds: string[] = [];
    const goodStatuses: number[] = [];
    const goodSession = (async () => {
      while (!stop) {
        const { status, id } = await good.submit({ text: `Order ${goodIds.length} confirmed` });
        goodStatuses.push(status);
        if (status === 0) goodIds.push(id);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // One fuzzing connection per round binds first as the throttled "flood" account (until the bind
    // guard locks 127.0.0.1 after the fuzzers' failed binds), so bound-state paths are fuzzed too.
    const bindFlood = encodePdu({ command: 'bind_transmitter', system_id: 'flood', password: 'flood123', sequence_number: 1 });
    const started = performance.now();
    let answeredBytes = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, connection) => {
        for (let round = 0; round < ROUNDS_PER_CONNECTION; round++) {
          const answered = await fuzzRound(port, roundBuffer(PER_ROUND), connection === 0 ? bindFlood : undefined);
          answeredBytes += answered;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    stop = true;
    await goodSession;

    await good.waitFor((received) => goodIds.every((id) => received.some((pdu) => pdu.receipted_message_id === id)), 'a receipt for every good message', 30_000);
    await good.close();
    await waitFor(async () => hub.hub.smpp.server.connectionCount === 0, 'every connection closed');
    gc();
    const after = process.memoryUsage();
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    process.stdout.write(
      `fuzz: ${TOTAL_PDUS} PDUs on ${CONNECTIONS * ROUNDS_PER_CONNECTION} connections in ${seconds.toFixed(1)} s (${Math.round(TOTAL_PDUS / seconds)}/s), ` +
        `${mb(answeredBytes)} MB answered; good session: ${goodIds.length} messages, all receipted; ` +
        `heapUsed ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MB, rss ${mb(before.rss)} → ${mb(after.rss)} MB\n`,
    );

    expect(goodStatuses.length).toBeGreaterThan(5);
    expect(goodStatuses.every((status) => status === 0)).toBe(true);
    expect(answeredBytes).toBeGreaterThan(TOTAL_PDUS * 8);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(24 * 1048576);
    // The hub still serves new sessions.
    const probe = await TestEsme.connect(port);
    expect((await probe.session.request({ command: 'enquire_link' })).command).toBe('enquire_link_resp');
    probe.session.destroy();
  });
});
