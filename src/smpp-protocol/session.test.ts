// SmppSession over real TCP on 127.0.0.1: two sessions talking, and raw sockets playing a hostile or broken peer.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodePdu, encodePdu } from './codec.ts';
import { CommandStatus, EsmClass, MessageState } from './constants.ts';
import { SmppEncodeError, SmppError, SmppResponseTimeoutError, SmppSessionClosedError } from './errors.ts';
import type { CloseReason } from './errors.ts';
import { PduFramer } from './framing.ts';
import { responseCommandFor } from './pdu.ts';
import type { Pdu, PduInput } from './pdu.ts';
import { SmppSession } from './session.ts';
import type { IncomingRequest, SmppSessionOptions, SmppWarning } from './session-types.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface TestServer {
  port: number;
  sessions: SmppSession[];
  /** Resolves with the n-th accepted session (0-based). */
  session(n: number): Promise<SmppSession>;
}

async function startServer(options: SmppSessionOptions = {}, setup: (s: SmppSession) => void = answerAll): Promise<TestServer> {
  const sessions: SmppSession[] = [];
  const waiting = new Map<number, (s: SmppSession) => void>();
  const server = net.createServer((socket) => {
    const session = new SmppSession(socket, options);
    setup(session);
    sessions.push(session);
    waiting.get(sessions.length - 1)?.(session);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const s of sessions) s.destroy('test over');
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    session: (n) => (sessions[n] ? Promise.resolve(sessions[n]) : new Promise((resolve) => waiting.set(n, resolve))),
  };
}

async function connect(port: number, options: SmppSessionOptions = {}): Promise<SmppSession> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const session = new SmppSession(socket, options);
  cleanups.push(() => session.destroy('test over'));
  return session;
}

/** Answers every request with its own response, ESME_ROK. */
function answerAll(session: SmppSession): void {
  session.on('request', (pdu) => void session.respond(pdu, okResponse(pdu)));
}

function okResponse(pdu: IncomingRequest): never {
  const response: Record<string, unknown> = { command: responseCommandFor(pdu.command) };
  if (pdu.command === 'submit_sm' || pdu.command === 'data_sm') response.message_id = `M${pdu.sequence_number}`;
  if (pdu.command.startsWith('bind_')) response.system_id = 'hub';
  return response as never;
}

/** Collects requests without answering them. */
function hold(session: SmppSession): IncomingRequest[] {
  const held: IncomingRequest[] = [];
  session.on('request', (pdu) => held.push(pdu));
  return held;
}

/** A plain socket speaking raw octets, with a decoder for what comes back. */
interface RawPeer {
  socket: net.Socket;
  received: Pdu[];
  next(): Promise<Pdu>;
  closed: Promise<void>;
}

async function rawPeer(socket: net.Socket): Promise<RawPeer> {
  const framer = new PduFramer();
  const received: Pdu[] = [];
  const waiters: ((pdu: Pdu) => void)[] = [];
  let read = 0;
  socket.on('data', (chunk: Buffer) => {
    for (const frame of framer.push(chunk).frames) {
      const result = decodePdu(frame);
      if (!result.ok) throw new Error(`peer sent an undecodable PDU: ${result.error.message}`);
      received.push(result.pdu);
      waiters.shift()?.(result.pdu);
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  cleanups.push(() => socket.destroy());
  return {
    socket,
    received,
    closed,
    next: () => {
      const pdu = received[read];
      if (pdu) {
        read++;
        return Promise.resolve(pdu);
      }
      return new Promise((resolve) =>
        waiters.push((p) => {
          read++;
          resolve(p);
        }),
      );
    },
  };
}

async function rawClient(port: number): Promise<RawPeer> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return rawPeer(socket);
}

/** Marks a promise as handled (a failing test must not add hundreds of unhandled rejections); still awaitable. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Raw PDU octets: header then body; command_length computed unless given. */
function raw(commandId: number, sequence: number, body: Buffer | number[] = [], commandLength?: number): Buffer {
  const b = Buffer.concat([Buffer.alloc(16), Buffer.from(body)]);
  b.writeUInt32BE((commandLength ?? b.length) >>> 0, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(sequence, 12);
  return b;
}

const submit = (n = 1): PduInput & { command: 'submit_sm' } => ({
  command: 'submit_sm',
  destination_addr: `3361234${String(n).padStart(4, '0')}`,
  data_coding: 0,
  short_message: Buffer.from(`message ${n}`),
});

/** A submit_sm body cut right before sm_length, for hand-made variations. */
const submitHead = Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 1]), Buffer.from('33612345678\0'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0])]);

describe('SmppSession round trips between two sessions', () => {
  it('bind_transceiver, submit_sm with UDH in UCS-2, deliver_sm receipt with TLVs, enquire_link', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port);
    const hub = await server.session(0);
    const seen: IncomingRequest[] = [];
    hub.on('request', (pdu) => {
      seen.push(pdu);
      switch (pdu.command) {
        case 'bind_transceiver':
          void hub.respond(pdu, { command: 'bind_transceiver_resp', system_id: 'hub', sc_interface_version: 0x34 });
          break;
        case 'submit_sm':
          void hub.respond(pdu, { command: 'submit_sm_resp', message_id: 'Ab12Cd34Ef' });
          break;
        default:
          void hub.respond(pdu, { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID });
      }
    });

    const bound = await client.request({ command: 'bind_transceiver', system_id: 'adobe', password: 'secret', system_type: 'CMP' });
    expect(bound).toMatchObject({ command: 'bind_transceiver_resp', command_status: 0, system_id: 'hub', sc_interface_version: 0x34 });
    expect(seen[0]).toMatchObject({ command: 'bind_transceiver', system_id: 'adobe', password: 'secret', interface_version: 0x34 });

    const userData = Buffer.concat([Buffer.from([5, 0, 3, 0x2a, 2, 1]), Buffer.from('Привет', 'utf16le').swap16()]);
    const accepted = await client.request({
      command: 'submit_sm',
      destination_addr: '33612345678',
      esm_class: EsmClass.UDHI,
      registered_delivery: 1,
      data_coding: 8,
      short_message: userData,
    });
    expect(accepted.command === 'submit_sm_resp' && accepted.message_id).toBe('Ab12Cd34Ef');
    expect(seen[1]).toMatchObject({ command: 'submit_sm', esm_class: 0x40, data_coding: 8, short_message: userData });

    // The receipt goes the other way: the hub is the requester now.
    const receipts: IncomingRequest[] = [];
    client.on('request', (pdu) => {
      receipts.push(pdu);
      if (pdu.command === 'deliver_sm') void client.respond(pdu, { command: 'deliver_sm_resp' });
    });
    const text = 'id:Ab12Cd34Ef sub:001 dlvrd:001 submit date:2611241200 done date:2611241201 stat:DELIVRD err:000 text:';
    const ack = await hub.request({
      command: 'deliver_sm',
      source_addr: '33612345678',
      destination_addr: '36000',
      esm_class: EsmClass.DELIVERY_RECEIPT,
      data_coding: 0,
      short_message: Buffer.from(text),
      receipted_message_id: 'Ab12Cd34Ef',
      message_state: MessageState.DELIVERED,
    });
    expect(ack).toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
    expect(receipts[0]).toMatchObject({
      command: 'deliver_sm',
      esm_class: 4,
      short_message: Buffer.from(text),
      receipted_message_id: 'Ab12Cd34Ef',
      message_state: 2,
    });

    // enquire_link is answered by the session itself, in both directions.
    expect(await client.request({ command: 'enquire_link' })).toMatchObject({ command: 'enquire_link_resp', command_status: 0 });
    expect(await hub.request({ command: 'enquire_link' })).toMatchObject({ command: 'enquire_link_resp' });
    expect(seen.map((p) => p.command)).toEqual(['bind_transceiver', 'submit_sm']);
  });

  it('query_sm, cancel_sm and data_sm with message_payload and SAR TLVs', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port);
    const hub = await server.session(0);
    const seen: IncomingRequest[] = [];
    hub.on('request', (pdu) => {
      seen.push(pdu);
      if (pdu.command === 'query_sm') {
        void hub.respond(pdu, { command: 'query_sm_resp', message_id: pdu.message_id, message_state: MessageState.ENROUTE });
      } else if (pdu.command === 'cancel_sm') {
        void hub.respond(pdu, { command: 'cancel_sm_resp', command_status: CommandStatus.ESME_RCANCELFAIL });
      } else if (pdu.command === 'data_sm') {
        void hub.respond(pdu, { command: 'data_sm_resp', message_id: 'D1' });
      }
    });
    expect(await client.request({ command: 'query_sm', message_id: 'Ab12Cd34Ef' })).toMatchObject({
      command: 'query_sm_resp',
      message_id: 'Ab12Cd34Ef',
      message_state: 1,
    });
    expect(await client.request({ command: 'cancel_sm', message_id: 'Ab12Cd34Ef' })).toMatchObject({
      command: 'cancel_sm_resp',
      command_status: CommandStatus.ESME_RCANCELFAIL,
    });
    const payload = Buffer.alloc(1000, 0x41);
    expect(
      await client.request({
        command: 'data_sm',
        destination_addr: '33612345678',
        data_coding: 0,
        message_payload: payload,
        sar_msg_ref_num: 7,
        sar_total_segments: 2,
        sar_segment_seqnum: 1,
      }),
    ).toMatchObject({ command: 'data_sm_resp', message_id: 'D1' });
    expect(seen[2]).toMatchObject({ message_payload: payload, sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 1 });
  });

  it('wraps sequence numbers from 0x7FFFFFFF back to 1', async () => {
    const server = await startServer();
    const client = await connect(server.port);
    const hub = await server.session(0);
    const sequences: number[] = [];
    hub.prependListener('request', (pdu) => sequences.push(pdu.sequence_number));
    (client as unknown as { requests: { nextSequence: number } }).requests.nextSequence = 0x7fffffff;
    await client.request(submit(1));
    await client.request(submit(2));
    expect(sequences).toEqual([0x7fffffff, 1]);
  });
});

describe('SmppSession flow control', () => {
  it('makes a third request wait while a window of 2 is full', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port, { window: 2 });
    const hub = await server.session(0);
    const held = hold(hub);
    const responses = [1, 2, 3].map((n) => handled(client.request(submit(n))));
    await vi.waitFor(() => expect(held).toHaveLength(2));
    // Barrier: the client answers this after everything it had already written, so a third request sent without
    // waiting for the window would be here by now.
    await hub.request({ command: 'enquire_link' });
    expect(held).toHaveLength(2);
    expect(client.stats()).toMatchObject({ inFlight: 2, waitingForWindow: 1 });

    void hub.respond(held[0]!, { command: 'submit_sm_resp', message_id: 'A' });
    await vi.waitFor(() => expect(held).toHaveLength(3));
    expect(held[2]).toMatchObject({ destination_addr: submit(3).destination_addr });
    void hub.respond(held[1]!, { command: 'submit_sm_resp', message_id: 'B' });
    void hub.respond(held[2]!, { command: 'submit_sm_resp', message_id: 'C' });
    expect((await Promise.all(responses)).map((r) => r.command === 'submit_sm_resp' && r.message_id)).toEqual(['A', 'B', 'C']);
    expect(client.stats()).toMatchObject({ inFlight: 0, waitingForWindow: 0 });
  });

  it('rejects a request after its response timeout, ignores the late response, and stays usable', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port);
    const hub = await server.session(0);
    const held = hold(hub);
    const warnings: SmppWarning[] = [];
    client.on('warning', (w) => warnings.push(w));

    const late = client.request(submit(1), { timeoutMs: 100 });
    await expect(late).rejects.toBeInstanceOf(SmppResponseTimeoutError);
    await expect(late).rejects.toMatchObject({ command: 'submit_sm', sequenceNumber: 1, timeoutMs: 100 });
    expect(client.stats().inFlight).toBe(0);

    await hub.respond(held[0]!, { command: 'submit_sm_resp', message_id: 'LATE' });
    hub.on('request', (pdu) => void hub.respond(pdu, okResponse(pdu)));
    const next = await client.request(submit(2));
    expect(next).toMatchObject({ command: 'submit_sm_resp', message_id: 'M2', sequence_number: 2 });
    expect(warnings).toEqual([{ kind: 'unexpected_response', pdu: expect.objectContaining({ message_id: 'LATE', sequence_number: 1 }) }]);
  });

  it('waits for drain when the peer stops reading: socket buffer and queue stay bounded, then everything completes', async () => {
    // Sized past any kernel buffering (here tcp_rmem max 32 MB + wmem 4 MB): 700 x 60 kB in flight = 42 MB.
    const window = 700;
    const server = await startServer({}, (s) => {
      answerAll(s);
      s.socket.pause(); // a peer that stops reading
    });
    const client = await connect(server.port, { window, responseTimeoutMs: 60_000 });
    const hub = await server.session(0);
    const payload = Buffer.alloc(60_000, 0x41);
    const total = 1000;
    const responses = Array.from({ length: total }, (_, n) =>
      handled(client.request({ command: 'data_sm', destination_addr: String(n), data_coding: 0, message_payload: payload })),
    );
    let maxBuffered = 0;
    await vi.waitFor(
      () => {
        const stats = client.stats();
        maxBuffered = Math.max(maxBuffered, stats.socketBufferedBytes);
        expect(stats.writeBlocked).toBe(true);
        expect(stats.queuedWrites).toBeGreaterThan(0);
      },
      { timeout: 20_000, interval: 5 },
    );
    const stats = client.stats();
    // What Node buffers in userland is one high-water mark plus the PDU that crossed it, not 30 MB.
    expect(maxBuffered).toBeLessThanOrEqual(client.socket.writableHighWaterMark + 64 * 1024);
    expect(stats.socketBufferedBytes).toBeLessThanOrEqual(client.socket.writableHighWaterMark + 64 * 1024);
    // Encoded PDUs waiting for the socket are bounded by the window; the other callers wait for a slot.
    expect(stats.queuedWrites).toBeLessThanOrEqual(window);
    expect(stats.inFlight).toBe(window);
    expect(stats.waitingForWindow).toBe(total - window);

    hub.socket.resume();
    const all = await Promise.all(responses);
    expect(all.every((r) => r.command === 'data_sm_resp' && r.command_status === 0)).toBe(true);
    expect(client.stats()).toMatchObject({ inFlight: 0, queuedWrites: 0, writeBlocked: false });
  });

  it('stops reading a peer that floods requests it does not let us answer, and resumes once answered', async () => {
    const server = await startServer({ maxOwedResponses: 8 }, () => {});
    const client = await connect(server.port, { window: 1000, responseTimeoutMs: 60_000 });
    const hub = await server.session(0);
    const held = hold(hub);
    const total = 1000;
    const payload = Buffer.alloc(40_000, 0x42); // 40 MB, beyond what the kernel can buffer on loopback
    const responses = Array.from({ length: total }, (_, n) =>
      handled(client.request({ command: 'data_sm', destination_addr: String(n), data_coding: 0, message_payload: payload })),
    );
    await vi.waitFor(() => expect(hub.stats().readPaused).toBe(true), { timeout: 20_000 });
    const heldWhenPaused = held.length;
    await new Promise((resolve) => setTimeout(resolve, 200)); // give a non-paused reader time to read more
    // Only what had already arrived in the last socket chunk (64 kB holds at most 3 of these PDUs) got through.
    expect(held.length).toBe(heldWhenPaused);
    expect(held.length).toBeLessThanOrEqual(8 + 3);
    expect(client.stats()).toMatchObject({ writeBlocked: true });

    // Answering lets the hub read again; answer everything as it comes.
    hub.on('request', (pdu) => void hub.respond(pdu, okResponse(pdu)));
    for (const pdu of held.splice(0)) void hub.respond(pdu, okResponse(pdu));
    await Promise.all(responses);
    expect(hub.stats()).toMatchObject({ readPaused: false, owedResponses: 0 });
  });
});

describe('SmppSession closing', () => {
  it('rejects every pending request, in flight or waiting for the window, when the connection closes', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port, { window: 2 });
    const hub = await server.session(0);
    const held = hold(hub);
    const closes: CloseReason[] = [];
    client.on('close', (reason) => closes.push(reason));
    const pending = [1, 2, 3].map((n) => handled(client.request(submit(n))));
    await vi.waitFor(() => expect(held).toHaveLength(2));
    hub.destroy();
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(SmppSessionClosedError);
    expect(await client.closed).toEqual({ kind: 'peer_closed' });
    expect(closes).toEqual([{ kind: 'peer_closed' }]);
    expect(client.stats()).toMatchObject({ inFlight: 0, waitingForWindow: 0 });
    await expect(client.request(submit(4))).rejects.toBeInstanceOf(SmppSessionClosedError);
    // respond() on a closed session reports false and never rejects.
    expect(await hub.respond(held[0]!, { command: 'submit_sm_resp' })).toBe(false);
  });

  it('unbind() lets in-flight requests finish, refuses new ones, and closes both sides', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port);
    const hub = await server.session(0);
    const held = hold(hub);
    const inFlight = client.request(submit(1));
    await vi.waitFor(() => expect(held).toHaveLength(1));
    const unbound = client.unbind();
    await expect(client.request(submit(2))).rejects.toBeInstanceOf(SmppSessionClosedError);
    await hub.request({ command: 'enquire_link' }); // barrier: no unbind has been sent yet
    expect(hub.isClosed).toBe(false);
    void hub.respond(held[0]!, { command: 'submit_sm_resp', message_id: 'LAST' });
    expect(await inFlight).toMatchObject({ message_id: 'LAST' });
    await unbound;
    expect(await client.closed).toEqual({ kind: 'unbound' });
    expect(await hub.closed).toEqual({ kind: 'peer_unbound' });
  });

  it('answers a peer unbind with unbind_resp and then closes', async () => {
    const server = await startServer();
    const peer = await rawClient(server.port);
    peer.socket.write(raw(0x06, 33));
    expect(await peer.next()).toMatchObject({ command: 'unbind_resp', sequence_number: 33, command_status: 0 });
    await peer.closed;
    expect(await server.sessions[0]!.closed).toEqual({ kind: 'peer_unbound' });
  });

  it('rejects a request whose response cannot be decoded, and carries on', async () => {
    const raws: RawPeer[] = [];
    const server = net.createServer((socket) => void rawPeer(socket).then((p) => raws.push(p)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const client = await connect((server.address() as net.AddressInfo).port);
    const warnings: SmppWarning[] = [];
    client.on('warning', (w) => warnings.push(w));
    const first = client.request(submit(1));
    await vi.waitFor(() => expect(raws[0]?.received).toHaveLength(1));
    const smsc = raws[0]!;
    smsc.socket.write(raw(0x80000004, 1, Buffer.from('Ab12'))); // ESME_ROK, message_id without its NUL
    await expect(first).rejects.toMatchObject({ name: 'SmppBadResponseError', command: 'submit_sm', sequenceNumber: 1 });
    expect(warnings).toMatchObject([{ kind: 'undecodable_response', header: { sequence_number: 1 } }]);
    const second = client.request(submit(2));
    const request = await smsc.next().then(() => smsc.next());
    smsc.socket.write(encodePdu({ command: 'submit_sm_resp', sequence_number: request.sequence_number, message_id: 'OK' }));
    expect(await second).toMatchObject({ message_id: 'OK' });
  });

  it('sends enquire_link when idle and closes after N unanswered ones', async () => {
    const raws: RawPeer[] = [];
    const server = net.createServer((socket) => void rawPeer(socket).then((p) => raws.push(p)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const client = await connect((server.address() as net.AddressInfo).port, {
      enquireLinkIntervalMs: 30,
      enquireLinkMaxMissed: 2,
      responseTimeoutMs: 300, // generous: the answered ones must not time out on a loaded machine
    });
    await vi.waitFor(() => expect(raws).toHaveLength(1));
    const smsc = raws[0]!;
    // Answer the first two, then play dead.
    for (let i = 0; i < 2; i++) {
      const ping = await smsc.next();
      expect(ping.command).toBe('enquire_link');
      smsc.socket.write(encodePdu({ command: 'enquire_link_resp', sequence_number: ping.sequence_number }));
    }
    expect(await client.closed).toEqual({ kind: 'enquire_link_timeout', missed: 2 });
    expect(smsc.received.filter((p) => p.command === 'enquire_link')).toHaveLength(4);
  });
});

describe('SmppSession against malformed input', () => {
  /** What the hostile connection should get: a response (then the session is still usable) or a close. */
  type Expected =
    | { respond: { command: string; command_status: number; sequence_number: number } }
    | { close: CloseReason['kind']; nack?: number };

  const cases: [string, Buffer, Expected][] = [
    ['command_length 8', raw(0x04, 77, [], 8), { close: 'framing_error', nack: 77 }],
    ['command_length 0', raw(0x04, 77, [], 0), { close: 'framing_error', nack: 77 }],
    ['a huge command_length', raw(0x04, 77, [], 0x7fffffff), { close: 'framing_error', nack: 77 }],
    ['command_length 0xFFFFFFFF, header only partly sent', raw(0x04, 77).subarray(0, 6).fill(0xff, 0, 4), { close: 'framing_error' }],
    [
      'a truncated body (mandatory fields cut short)',
      raw(0x04, 78, Buffer.from('abc')),
      { respond: { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RINVCMDLEN, sequence_number: 78 } },
    ],
    [
      'an unknown command_id',
      raw(0x00000099, 79),
      { respond: { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID, sequence_number: 79 } },
    ],
    [
      'submit_sm with sm_length beyond the body',
      raw(0x04, 80, Buffer.concat([submitHead, Buffer.from([200, 0x41, 0x42])])),
      { respond: { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RINVMSGLEN, sequence_number: 80 } },
    ],
    [
      'submit_sm with a 30-digit destination',
      raw(0x04, 81, Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 1]), Buffer.from(`${'9'.repeat(30)}\0`), Buffer.alloc(10)])),
      { respond: { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RINVDSTADR, sequence_number: 81 } },
    ],
    [
      'a response to nothing we sent',
      raw(0x80000004, 82, Buffer.from('X\0')),
      { respond: { command: 'enquire_link_resp', command_status: 0, sequence_number: 1000 } }, // ignored; only our probe is answered
    ],
  ];

  it.each(cases)('%s: only that connection suffers, a well-behaved session keeps working', async (_name, bytes, expected) => {
    const server = await startServer({ closeGraceMs: 200 });
    const good = await connect(server.port);
    expect(await good.request({ command: 'bind_transceiver', system_id: 'good', password: 'pw' })).toMatchObject({ command_status: 0 });
    const hostile = await rawClient(server.port);
    const hostileSession = await server.session(1);
    const requests: IncomingRequest[] = [];
    hostileSession.prependListener('request', (pdu) => requests.push(pdu));

    hostile.socket.write(bytes);
    if ('respond' in expected) {
      if (expected.respond.sequence_number === 1000) hostile.socket.write(raw(0x15, 1000));
      expect(await hostile.next()).toMatchObject(expected.respond);
      // Still in business: it answers the next PDU.
      hostile.socket.write(raw(0x15, 1001));
      expect(await hostile.next()).toMatchObject({ command: 'enquire_link_resp', sequence_number: 1001 });
      expect(hostileSession.isClosed).toBe(false);
    } else {
      await hostile.closed;
      expect((await hostileSession.closed).kind).toBe(expected.close);
      if (expected.nack !== undefined) {
        expect(hostile.received).toEqual([
          { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDLEN, sequence_number: expected.nack },
        ]);
      }
    }
    expect(requests).toEqual([]);
    expect(await good.request(submit(1))).toMatchObject({ command: 'submit_sm_resp', command_status: 0 });
    expect(good.isClosed).toBe(false);
  });

  it('waits for the rest of a PDU cut short by the sender, and closes cleanly when it hangs up', async () => {
    const server = await startServer();
    const good = await connect(server.port);
    const hostile = await rawClient(server.port);
    const hostileSession = await server.session(1);
    hostile.socket.write(raw(0x04, 5, Buffer.alloc(84)).subarray(0, 40)); // announces 100 octets, sends 40
    expect(await good.request(submit(1))).toMatchObject({ command_status: 0 });
    expect(hostileSession.isClosed).toBe(false);
    hostile.socket.end();
    expect(await hostileSession.closed).toEqual({ kind: 'peer_closed' });
    expect(await good.request(submit(2))).toMatchObject({ command_status: 0 });
  });

  it('survives 50 connections sending seeded random garbage while good traffic flows', async () => {
    const server = await startServer({ closeGraceMs: 100 });
    const good = await connect(server.port, { window: 5 });
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const traffic = Array.from({ length: 200 }, (_, n) => handled(good.request(submit(n))));
    const hostiles = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const peer = await rawClient(server.port);
        peer.socket.write(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256))));
        return peer;
      }),
    );
    await Promise.all(hostiles.map((h) => h.closed));
    const results = await Promise.all(traffic);
    expect(results.every((r) => r.command === 'submit_sm_resp' && r.command_status === 0)).toBe(true);
    expect(good.isClosed).toBe(false);
    for (const s of server.sessions.slice(1)) expect((await s.closed).kind).toBe('framing_error');
  });

  it('answers ESME_RSYSERR when a request listener throws, reports it, and carries on', async () => {
    const server = await startServer({}, (s) =>
      s.on('request', (pdu) => {
        if (pdu.command === 'submit_sm' && pdu.short_message.toString() === 'boom') throw new Error('listener bug');
        void s.respond(pdu, okResponse(pdu));
      }),
    );
    const client = await connect(server.port);
    const hub = await server.session(0);
    const warnings: SmppWarning[] = [];
    hub.on('warning', (w) => warnings.push(w));
    const failed = await client.request({ command: 'submit_sm', destination_addr: '1', data_coding: 0, short_message: Buffer.from('boom') });
    expect(failed).toMatchObject({ command: 'submit_sm_resp', command_status: CommandStatus.ESME_RSYSERR });
    expect(warnings).toMatchObject([{ kind: 'listener_error', event: 'request' }]);
    expect(await client.request(submit(2))).toMatchObject({ command_status: 0 });
  });

  it('throws at once on programming errors in respond()', async () => {
    const server = await startServer({}, () => {});
    const client = await connect(server.port);
    const hub = await server.session(0);
    const held = hold(hub);
    const response = client.request(submit(1));
    await vi.waitFor(() => expect(held).toHaveLength(1));
    const request = held[0]!;
    if (request.command !== 'submit_sm') throw new Error(`unexpected ${request.command}`);
    // @ts-expect-error a submit_sm is not answered with deliver_sm_resp (and the session checks at run time too)
    expect(() => hub.respond(request, { command: 'deliver_sm_resp' })).toThrow(SmppError);
    // @ts-expect-error data_coding has no default: never rely on the SMSC's guess
    await expect(client.request({ command: 'submit_sm', destination_addr: '1' })).rejects.toBeInstanceOf(SmppEncodeError);
    expect(() => hub.respond(request, { command: 'submit_sm_resp', message_id: 'x'.repeat(65) })).toThrow(/message_id/);
    expect(await hub.respond(request, { command: 'submit_sm_resp', message_id: 'OK' })).toBe(true);
    expect(() => hub.respond(request, { command: 'submit_sm_resp' })).toThrow(/not an unanswered request/);
    expect(await response).toMatchObject({ message_id: 'OK' });
  });
});

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI when there is one (no key in the repo). */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'smpp-protocol-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SmppSession over TLS', () => {
  const credentials = selfSignedCertificate();
  it.skipIf(!credentials)('binds, submits and unbinds over tls.TLSSocket on both sides', async () => {
    const { key, cert } = credentials!;
    const hubs: SmppSession[] = [];
    const server = tls.createServer({ key, cert }, (socket) => {
      const hub = new SmppSession(socket);
      answerAll(hub);
      hubs.push(hub);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      for (const hub of hubs) hub.destroy('test over');
      await new Promise((resolve) => server.close(resolve));
    });
    const socket = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', ca: cert });
    await once(socket, 'secureConnect');
    const client = new SmppSession(socket);
    cleanups.push(() => client.destroy('test over'));

    expect(await client.request({ command: 'bind_transmitter', system_id: 'adobe', password: 'pw' })).toMatchObject({
      command: 'bind_transmitter_resp',
      system_id: 'hub',
    });
    expect(await client.request(submit(1))).toMatchObject({ command: 'submit_sm_resp', message_id: 'M2' });
    await client.unbind();
    expect(await client.closed).toEqual({ kind: 'unbound' });
    expect(await hubs[0]!.closed).toEqual({ kind: 'peer_unbound' });
  });
});
