import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { CommandStatus, MessageState, SmppSession, encodePdu } from '../../smpp-protocol/index.ts';
import { encodeUcs2 } from '../../sending/encoding/index.ts';
import { TestEsme, parseReceipt, waitFor } from './test-support.ts';

/**
 * The SMPP server end to end: a whole hub (store, queue, bus, sending core with the sandbox provider)
 * and ESMEs on loopback speaking through our own protocol layer.
 */
describe.each(['embedded', 'postgres'] as const)('SMPP server on %s', (mode) => {
  let hub: TestHub;
  let port: number;
  let accountId: string;
  const systemId = `acme${mode.slice(0, 3)}`;
  const password = 'secret12';
  const esmes: TestEsme[] = [];

  const esme = async (type: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver', credentials = { systemId, password }) => {
    const connected = await TestEsme.bound(port, credentials.systemId, credentials.password, type);
    esmes.push(connected);
    return connected;
  };
  const connect = async () => {
    const connected = await TestEsme.connect(port);
    esmes.push(connected);
    return connected;
  };
  const messageOf = async (partId: string) => {
    const [row] = await hub.hub.store.query<{ message_id: string | null; state: string; error: string | null }>('SELECT message_id, state, error FROM smpp_submits WHERE id = $1', [partId]);
    return row;
  };
  const hubMessage = async (partId: string) => {
    const part = await waitFor(async () => {
      const row = await messageOf(partId);
      return row?.message_id ? row : undefined;
    }, `part ${partId} to be forwarded`);
    return (await hub.hub.sending.getMessage(hub.tenantId, part.message_id!))!;
  };

  beforeAll(async () => {
    hub = await startTestHub(mode, { HUB_SMPP_PORT: '0' });
    port = hub.hub.smpp.server.port!;
    await hub.hub.sending.registry.put(hub.tenantId, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 20 } });
    const created = await hub.api('/v1/smpp/accounts', { body: { systemId, password, throughputPerSecond: null } });
    expect(created.status).toBe(201);
    accountId = created.body.id;
  });
  // Receipts and MO go to any receiver of the account: each test's sessions are closed before the next.
  afterEach(async () => {
    await Promise.all(esmes.splice(0).map((connected) => connected.close()));
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('manages accounts over the API: a generated password is shown once, system_ids are unique', async () => {
    const created = await hub.api('/v1/smpp/accounts', { body: { systemId: `gen${mode.slice(0, 3)}`, bindTypes: ['transmitter', 'receiver'], allowedIps: ['127.0.0.0/8'] } });
    expect(created.status).toBe(201);
    expect(created.body.password).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(created.body).toMatchObject({ bindTypes: ['transmitter', 'receiver'], allowedIps: ['127.0.0.0/8'], maxBinds: 10, throughputPerSecond: 1000, category: 'transactional', enabled: true });
    const listed = await hub.api('/v1/smpp/accounts');
    expect(listed.body.data.map((account: { id: string }) => account.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.password);
    expect((await hub.api(`/v1/smpp/accounts/${created.body.id}`)).body.password).toBeUndefined();
    expect((await hub.api('/v1/smpp/accounts', { body: { systemId } })).status).toBe(409);
    const bad = await hub.api('/v1/smpp/accounts', { body: { systemId: 'way-too-long-system-id', password: 'abc', allowedIps: ['10.0.0.300'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.allowedIps.0', 'body.password', 'body.systemId']);
    const patched = await hub.api(`/v1/smpp/accounts/${created.body.id}`, { method: 'PATCH', body: { generatePassword: true, maxBinds: 2 } });
    expect(patched.status).toBe(200);
    expect(patched.body.password).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(patched.body.password).not.toBe(created.body.password);
    const other = await hub.createTenant('other');
    expect((await hub.api(`/v1/smpp/accounts/${created.body.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await hub.api(`/v1/smpp/accounts/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await hub.api(`/v1/smpp/accounts/${created.body.id}`)).status).toBe(404);
  });

  it('refuses binds with the status that says why, and keeps the connection open after each refusal', async () => {
    await hub.api('/v1/smpp/accounts', { body: { systemId: `tx${mode.slice(0, 3)}`, password: 'txonly12', bindTypes: ['transmitter'], maxBinds: 1 } });
    await hub.api('/v1/smpp/accounts', { body: { systemId: `ip${mode.slice(0, 3)}`, password: 'faraway1', allowedIps: ['203.0.113.0/24'] } });
    const client = await connect();
    expect((await client.submit({ text: 'too early' })).status).toBe(CommandStatus.ESME_RINVBNDSTS);
    expect(await client.bind('transceiver', 'nobody', 'whatever')).toBe(CommandStatus.ESME_RINVSYSID);
    expect(await client.bind('transceiver', systemId, 'wrong123')).toBe(CommandStatus.ESME_RINVPASWD);
    expect(await client.bind('receiver', `tx${mode.slice(0, 3)}`, 'txonly12')).toBe(CommandStatus.ESME_RBINDFAIL);
    expect(await client.bind('transceiver', `ip${mode.slice(0, 3)}`, 'faraway1')).toBe(CommandStatus.ESME_RBINDFAIL);
    expect(await client.bind('transmitter', `tx${mode.slice(0, 3)}`, 'txonly12')).toBe(0);
    expect(await client.bind('transmitter', `tx${mode.slice(0, 3)}`, 'txonly12')).toBe(CommandStatus.ESME_RALYBND);
    const second = await connect();
    expect(await second.bind('transmitter', `tx${mode.slice(0, 3)}`, 'txonly12')).toBe(CommandStatus.ESME_RBINDFAIL);
    expect(client.session.isClosed).toBe(false);
    expect(second.session.isClosed).toBe(false);
    const receiverOnly = await esme('receiver');
    expect((await receiverOnly.submit({ text: 'receivers do not submit' })).status).toBe(CommandStatus.ESME_RINVBNDSTS);
  });

  it('answers submit_sm with a 10-alphanumeric id once stored, and sends the receipt Adobe Campaign parses', async () => {
    const trx = await esme();
    const { status, id } = await trx.submit({ source_addr: '', text: 'Votre code: 1234' });
    expect(status).toBe(0);
    expect(id).toMatch(/^[A-Za-z0-9]{10}$/);
    // Durable when answered: in the submit journal (embedded store; checked first, as it moves parts to the
    // inbox meanwhile), else in the inbox or already handed off.
    const accountId = (await hub.hub.store.query<{ id: string }>('SELECT id FROM smpp_accounts WHERE system_id = $1', [systemId]))[0]!.id;
    const journaled = hub.hub.smpp.inbox.holds(hub.tenantId, accountId, id);
    const [stored] = await hub.hub.store.query<{ id: string }>('SELECT id FROM smpp_inbox WHERE id = $1 UNION ALL SELECT id FROM smpp_submits WHERE id = $1', [id]);
    expect(journaled || stored !== undefined).toBe(true);
    await trx.waitFor((received) => received.some((pdu) => pdu.receipted_message_id === id), 'the receipt');
    const receipt = trx.receipts().find((pdu) => pdu.receipted_message_id === id)!;
    const text = receipt.short_message.toString('latin1');
    // Adobe Campaign's defaults: id = up to 10 alphanumerics after "id:", success = stat starting with DELIV, err = 3 characters.
    expect(/\bid:([a-zA-Z0-9]{1,10})\b/.exec(text)?.[1]).toBe(id);
    expect(text).toMatch(/^id:\S+ sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:Votre code: 1234$/);
    expect(receipt).toMatchObject({ esm_class: 0x04, message_state: MessageState.DELIVERED, source_addr: '33612345678', destination_addr: '' });
    const message = await hubMessage(id);
    expect(message).toMatchObject({ status: 'delivered', to: '+33612345678', text: 'Votre code: 1234', category: 'transactional' });
    const query = await trx.session.request({ command: 'query_sm', message_id: id });
    expect(query).toMatchObject({ command: 'query_sm_resp', command_status: 0, message_state: MessageState.DELIVERED });
    expect((await trx.session.request({ command: 'query_sm', message_id: 'unknown123' })).command_status).toBe(CommandStatus.ESME_RINVMSGID);
  });

  it('joins a long message sent in reverse order with a receipt asked on one part only, and answers that part id', async () => {
    const trx = await esme();
    const text = 'Bonjour Camille, votre commande 4521 est en route. '.repeat(5).trim();
    const chunks = [text.slice(0, 153), text.slice(153)];
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x2a, 2, seq]);
    // Adobe sends the last part first; registered_delivery only on part 1.
    const second = await trx.submit({ esm_class: 0x40, registered_delivery: 0, short_message: Buffer.concat([udh(2), Buffer.from(chunks[1]!, 'latin1')]) });
    const first = await trx.submit({ esm_class: 0x40, registered_delivery: 1, short_message: Buffer.concat([udh(1), Buffer.from(chunks[0]!, 'latin1')]) });
    expect([first.status, second.status]).toEqual([0, 0]);
    expect(first.id).not.toBe(second.id);
    const message = await hubMessage(first.id);
    expect(message.text).toBe(text);
    expect((await messageOf(second.id))!.message_id).toBe(message.id);
    await trx.waitFor((received) => received.some((pdu) => pdu.receipted_message_id === first.id), 'the receipt of part 1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(trx.receipts().filter((pdu) => [first.id, second.id].includes(pdu.receipted_message_id ?? ''))).toHaveLength(1);
  });

  it('reads UCS-2 in message_payload, emoji included', async () => {
    const trx = await esme();
    const text = 'Réduction de 20 % 🎉 sur toute la boutique ce week-end, profitez-en vite ! '.repeat(3).trim();
    const { status, id } = await trx.submit({ data_coding: 8, message_payload: encodeUcs2(text) });
    expect(status).toBe(0);
    expect((await hubMessage(id)).text).toBe(text);
  });

  it('refuses what it cannot send with the matching status', async () => {
    const trx = await esme();
    expect((await trx.submit({ destination_addr: 'not-a-number', text: 'x' })).status).toBe(CommandStatus.ESME_RINVDSTADR);
    expect((await trx.submit({ source_addr: 'Far too long sender', source_addr_ton: 5, text: 'x' })).status).toBe(CommandStatus.ESME_RINVSRCADR);
    expect((await trx.submit({ short_message: Buffer.alloc(0) })).status).toBe(CommandStatus.ESME_RINVMSGLEN);
    expect((await trx.submit({ data_coding: 4, text: 'binary' })).status).toBe(CommandStatus.ESME_RSUBMITFAIL);
    expect((await trx.submit({ short_message: Buffer.from([0x48, 0xe9]) })).status).toBe(CommandStatus.ESME_RSUBMITFAIL);
    expect((await trx.session.request({ command: 'cancel_sm', message_id: 'abc' })).command_status).toBe(CommandStatus.ESME_RCANCELFAIL);
    expect(trx.session.isClosed).toBe(false);
  });

  it('answers over the throughput limit with ESME_RTHROTTLED, without dropping or stalling', async () => {
    await hub.api('/v1/smpp/accounts', { body: { systemId: `slow${mode.slice(0, 3)}`, password: 'slowly12', throughputPerSecond: 5 } });
    const trx = await esme('transceiver', { systemId: `slow${mode.slice(0, 3)}`, password: 'slowly12' });
    const results = await Promise.all(Array.from({ length: 20 }, () => trx.submit({ registered_delivery: 0, text: 'flash sale' })));
    const throttled = results.filter((result) => result.status === CommandStatus.ESME_RTHROTTLED).length;
    const accepted = results.filter((result) => result.status === 0).length;
    expect(accepted + throttled).toBe(20);
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(throttled).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await trx.submit({ registered_delivery: 0, text: 'after a pause' })).status).toBe(0);
  });

  it('keeps a receipt while no receiver is bound and delivers it exactly once when one binds', async () => {
    const tx = await esme('transmitter');
    const { id } = await tx.submit({ text: 'Rendez-vous demain 10h' });
    await waitFor(async () => (await hub.hub.store.query('SELECT 1 FROM smpp_outbox WHERE dedupe_key = $1', [`receipt:${id}`])).length > 0, 'the receipt in the outbox');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tx.received).toHaveLength(0);
    const rx = await esme('receiver');
    await rx.waitFor((received) => received.some((pdu) => pdu.receipted_message_id === id), 'the kept receipt');
    const rx2 = await esme('receiver');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const copies = [...rx.received, ...rx2.received, ...tx.received].filter((pdu) => pdu.receipted_message_id === id);
    expect(copies).toHaveLength(1);
    expect(parseReceipt(copies[0]!)).toMatchObject({ id, stat: 'DELIVRD' });
  });

  it('sends a refused receipt again later', async () => {
    hub.hub.smpp.outbox.tune({ retryBaseSeconds: 0.2 });
    const trx = await esme();
    let refusals = 0;
    trx.answer = (pdu) => (pdu.esm_class === 0x04 && refusals++ === 0 ? CommandStatus.ESME_RINVMSGID : 0);
    const { id } = await trx.submit({ text: 'retry me' });
    await trx.waitFor((received) => received.filter((pdu) => pdu.receipted_message_id === id).length === 2, 'the receipt twice');
    const row = await waitFor(async () => {
      const [found] = await hub.hub.store.query<{ state: string; attempts: number }>('SELECT state, attempts FROM smpp_outbox WHERE dedupe_key = $1', [`receipt:${id}`]);
      return found?.state === 'delivered' && found;
    }, 'the receipt marked delivered');
    expect(row.attempts).toBe(2);
  });

  it('forwards replies and STOP as MO deliver_sm, and the sending core records the opt-out', async () => {
    const trx = await esme();
    await hub.hub.sending.inbound(hub.tenantId, { from: '+33698765432', to: '36173', text: 'STOP', at: new Date(), providerMessageId: `mo-${mode}` });
    await trx.waitFor((received) => received.some((pdu) => pdu.esm_class === 0 && pdu.short_message.toString('latin1') === 'STOP'), 'the MO');
    const mo = trx.received.find((pdu) => pdu.esm_class === 0)!;
    expect(mo).toMatchObject({ source_addr: '33698765432', source_addr_ton: 1, destination_addr: '36173', data_coding: 0 });
    const optOut = await hub.api('/v1/opt-outs?channel=sms');
    expect(JSON.stringify(optOut.body)).toContain('+33698765432');
  });

  it('answers unknown commands with generic_nack and survives a malformed PDU without hurting other sessions', async () => {
    const trx = await esme();
    const raw = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    const replies: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => replies.push(chunk));
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x00000099, 4);
    unknown.writeUInt32BE(7, 12);
    raw.write(unknown);
    await waitFor(async () => Buffer.concat(replies).length >= 16, 'the generic_nack');
    const nack = Buffer.concat(replies);
    expect([nack.readUInt32BE(4), nack.readUInt32BE(8), nack.readUInt32BE(12)]).toEqual([0x80000000, CommandStatus.ESME_RINVCMDID, 7]);
    // command_length 8: the stream cannot be framed any more; only this connection closes.
    raw.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, 4]));
    await new Promise((resolve) => raw.once('close', resolve));
    expect((await trx.submit({ text: 'still here' })).status).toBe(0);
    const other = new SmppSession(net.connect(port, '127.0.0.1'), { enquireLinkIntervalMs: 0 });
    expect((await other.request({ command: 'enquire_link' })).command).toBe('enquire_link_resp');
    other.destroy();
    expect(encodePdu({ command: 'enquire_link', sequence_number: 1 })).toHaveLength(16);
  });

  it('reports a message the sending core refuses with a REJECTD receipt', async () => {
    const trx = await esme();
    // Longer than the tenant's 6 segments at most: the sending core refuses it when the message is handed over.
    // (A destination that can never be valid is refused at submit: smpp-lookup.test.ts.)
    const { status, id } = await trx.submit({ message_payload: Buffer.from('a'.repeat(1_100), 'latin1') });
    expect(status).toBe(0);
    await trx.waitFor((received) => received.some((pdu) => pdu.receipted_message_id === id), 'the REJECTD receipt');
    const receipt = trx.receipts().find((pdu) => pdu.receipted_message_id === id)!;
    expect(parseReceipt(receipt)).toMatchObject({ stat: 'REJECTD', err: '104', dlvrd: '000' });
    expect(receipt.message_state).toBe(MessageState.REJECTED);
    expect((await messageOf(id))!.state).toBe('rejected');
    expect(accountId).toBeTruthy();
  });
});
