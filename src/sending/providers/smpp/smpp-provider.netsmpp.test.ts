// The SMPP upstream provider against Net::SMPP acting as the SMSC (test/support/smsc-netsmpp.pl), over
// real TCP on 127.0.0.1: what leaves is checked octet by octet as a third-party decoder read it.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNetSmppSmsc, type NetSmppSmsc, type SmscEvent, type SubmitSmEvent } from '../../../../test/support/smsc-netsmpp.ts';
import { analyzeSms, encodeGsm7, encodeUcs2 } from '../../encoding/index.ts';
import type { InboundSms, OutboundSms, ProviderReceipt, ProviderSink } from '../provider.ts';
import { createSmppProvider, type SmppProvider } from './smpp-provider.ts';
import { SmppSettingsSchema, type SmppSettingsInput } from './smpp-settings.ts';

const TENANT = 'ten_smpp';

class RecordingSink implements ProviderSink {
  readonly receipts: ProviderReceipt[] = [];
  readonly inbounds: InboundSms[] = [];
  /** Fails once for the first receipt whose text holds this (receipts quote the message's start). */
  failOnceFor: string | undefined;

  async receipt(tenantId: string, receipt: ProviderReceipt): Promise<void> {
    expect(tenantId).toBe(TENANT);
    if (this.failOnceFor !== undefined && receipt.raw.includes(this.failOnceFor)) {
      this.failOnceFor = undefined;
      throw new Error('store unavailable (test)');
    }
    this.receipts.push(receipt);
  }

  async inbound(tenantId: string, sms: InboundSms): Promise<void> {
    expect(tenantId).toBe(TENANT);
    this.inbounds.push(sms);
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(smsc.events.slice(-12))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let messageCounter = 0;
function sms(to: string, text: string, extra: Partial<OutboundSms> = {}): OutboundSms {
  const analysis = analyzeSms(text);
  return { messageId: `msg${String(++messageCounter).padStart(7, '0')}`, tenantId: TENANT, from: 'MaBoutique', to, text, encoding: analysis.encoding, segments: analysis.segmentCount, requestReceipt: true, ...extra };
}

const hex = (buffer: Buffer) => buffer.toString('hex');
const cstr = (value: string) => `${Buffer.from(value, 'latin1').toString('hex')}00`;
const byte = (value: number) => value.toString(16).padStart(2, '0');

let smsc: NetSmppSmsc;
const providers: SmppProvider[] = [];

beforeAll(async () => {
  smsc = await startNetSmppSmsc();
});
afterAll(async () => {
  await smsc?.close();
});
beforeEach(async () => {
  await smsc.set({ system_id: 'hub', password: 'secret', receipt_delay_ms: 20, receipt_tlvs: 1, undeliverable: ['33600000001'], reject: { '33600000003': 0x0b }, throttle: 0, queue_full: 0, slow_ms: 0, slow_count: 0, drop_after: 0, script: [] });
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
});

function connect(overrides: Partial<SmppSettingsInput> = {}, options: { password?: string } = {}) {
  const sink = new RecordingSink();
  const settings = SmppSettingsSchema.parse({
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'hub',
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    throttleBackoffMs: { initialMs: 100, maxMs: 2_000 },
    ...overrides,
  });
  const provider = createSmppProvider({ settings, password: options.password ?? 'secret', tenantId: TENANT, network: { allowPrivateTargets: true }, sink, log: pino({ level: 'silent' }) });
  providers.push(provider);
  return { provider, sink };
}

const eventsSince = (mark: number, event: string): SmscEvent[] => smsc.events.slice(mark).filter((each) => each.event === event);

/** The submit_sm the SMSC logged since `mark` (an index into its log), once its log is read up to now. */
async function submitsSince(mark: number): Promise<SubmitSmEvent[]> {
  await smsc.sync();
  return eventsSince(mark, 'submit_sm') as SubmitSmEvent[];
}

const hasReceipt = (sink: RecordingSink, id: string) => sink.receipts.some((receipt) => receipt.providerMessageId === id);

describe('submit_sm as Net::SMPP decodes it', () => {
  it('GSM text: data_coding 0, unpacked septets, TON 5 sender, international destination without "+", receipt asked', async () => {
    const { provider } = connect();
    const mark = smsc.events.length;
    const result = await provider.submit(sms('+33612345678', 'Colis @ 10h, 5€ [OK]'));
    expect(result.kind).toBe('submitted');
    const [submit] = await submitsSince(mark);
    const septets = encodeGsm7('Colis @ 10h, 5€ [OK]');
    // "@" is septet 0x00, "€" the escape pair 1B 65, "[" 1B 3C (3GPP TS 23.038 §6.2.1).
    expect(hex(septets)).toBe('436f6c69732000203130682c2035' + '1b65' + '20' + '1b3c' + '4f4b' + '1b3e');
    // The whole body, field by field (SMPP 3.4 §4.4.1).
    expect(submit!.body_hex).toBe(
      cstr('') + // service_type
        '0500' + cstr('MaBoutique') + // source TON 5 (alphanumeric), NPI 0
        '0101' + cstr('33612345678') + // destination TON 1, NPI 1, no "+"
        '00' + '00' + '00' + // esm_class, protocol_id, priority_flag
        cstr('') + cstr('') + // schedule_delivery_time, validity_period
        '01' + '00' + '00' + '00' + // registered_delivery 1, replace_if_present, data_coding 0, sm_default_msg_id
        byte(septets.length) + hex(septets),
    );
    expect(submit!.tlvs).toEqual({});
    expect(result).toEqual({ kind: 'submitted', providerMessageIds: [submit!.message_id] });
  });

  it('UCS-2 text: data_coding 8, UTF-16BE with the emoji as a surrogate pair', async () => {
    const { provider } = connect();
    const mark = smsc.events.length;
    expect((await provider.submit(sms('+33612345678', 'Bonjour Hélène 😀'))).kind).toBe('submitted');
    const [submit] = await submitsSince(mark);
    expect(submit!.data_coding).toBe(8);
    expect(submit!.esm_class).toBe(0);
    expect(submit!.short_message_hex).toBe('0042006f006e006a006f007500720020004800e9006c00e8006e00650020d83dde00');
    expect(submit!.short_message_hex).toBe(hex(encodeUcs2('Bonjour Hélène 😀')));
  });

  it('a long message: one submit_sm per part, UDH 05 00 03 ref 02 0n, esm_class UDHI, a receipt asked on each', async () => {
    const { provider, sink } = connect();
    const text = `${'Soldes d\'hiver : -30% sur tout le rayon chaussures, ce week-end seulement. '.repeat(3)}Fin.`;
    expect(analyzeSms(text)).toMatchObject({ encoding: 'GSM-7', segmentCount: 2 });
    const mark = smsc.events.length;
    const result = await provider.submit(sms('+33612345678', text));
    if (result.kind !== 'submitted') throw new Error(JSON.stringify(result));
    const parts = await submitsSince(mark);
    expect(parts).toHaveLength(2);
    const reference = parts[0]!.short_message_hex.slice(6, 8);
    expect(parts.map((part) => part.short_message_hex.slice(0, 12))).toEqual([`050003${reference}0201`, `050003${reference}0202`]);
    expect(parts.map((part) => [part.esm_class, part.data_coding, part.registered_delivery])).toEqual([
      [0x40, 0, 1],
      [0x40, 0, 1],
    ]);
    const joined = Buffer.concat(parts.map((part) => Buffer.from(part.short_message_hex.slice(12), 'hex')));
    expect(joined.equals(encodeGsm7(text))).toBe(true);
    expect(result.providerMessageIds).toEqual(parts.map((part) => part.message_id));
    // Every part's receipt reaches the sink, correlated by the submit_sm_resp ids.
    await until(() => result.providerMessageIds.every((id) => hasReceipt(sink, id)), 'both receipts');
    expect(result.providerMessageIds.map((id) => sink.receipts.find((receipt) => receipt.providerMessageId === id)!.status)).toEqual(['delivered', 'delivered']);
  });

  it('short code and E.164 senders, an absolute validity, no receipt when none is asked', async () => {
    const { provider } = connect();
    const mark = smsc.events.length;
    await provider.submit(sms('+33612345678', 'Code 1', { from: '36173' }));
    await provider.submit(sms('+33612345678', 'Code 2', { from: '+33700000001', validUntil: new Date('2031-05-06T07:08:09.500Z'), requestReceipt: false }));
    const [shortCode, longNumber] = await submitsSince(mark);
    expect([shortCode!.source_addr_ton, shortCode!.source_addr_npi, shortCode!.source_addr]).toEqual([3, 0, '36173']);
    expect([longNumber!.source_addr_ton, longNumber!.source_addr_npi, longNumber!.source_addr]).toEqual([1, 1, '33700000001']);
    expect(longNumber!.validity_period).toBe('310506070809500+');
    expect(longNumber!.registered_delivery).toBe(0);
  });
});

describe('receipts', () => {
  it('reports delivered and undelivered receipts with the error code, correlated by id', async () => {
    const { provider, sink } = connect();
    const delivered = await provider.submit(sms('+33612345678', 'Votre commande est partie'));
    const undelivered = await provider.submit(sms('+33600000001', 'Votre commande est partie'));
    if (delivered.kind !== 'submitted' || undelivered.kind !== 'submitted') throw new Error('not submitted');
    await until(() => hasReceipt(sink, delivered.providerMessageIds[0]!) && hasReceipt(sink, undelivered.providerMessageIds[0]!), 'two receipts');
    const byId = new Map(sink.receipts.map((receipt) => [receipt.providerMessageId, receipt]));
    expect(byId.get(delivered.providerMessageIds[0]!)).toMatchObject({ status: 'delivered', raw: expect.stringMatching(/^id:\S+ sub:001 dlvrd:001 .*stat:DELIVRD err:000 text:Votre commande est p$/) });
    expect(byId.get(delivered.providerMessageIds[0]!)!.errorCode).toBeUndefined();
    expect(byId.get(undelivered.providerMessageIds[0]!)).toMatchObject({ status: 'undelivered', errorCode: '001' });
  });

  it('reads the receipt text alone when the SMSC sends no TLVs', async () => {
    await smsc.set({ receipt_tlvs: 0 });
    const { provider, sink } = connect();
    const result = await provider.submit(sms('+33600000001', 'Sans TLV'));
    if (result.kind !== 'submitted') throw new Error('not submitted');
    await until(() => hasReceipt(sink, result.providerMessageIds[0]!), 'the receipt');
    expect(sink.receipts.find((receipt) => receipt.providerMessageId === result.providerMessageIds[0])).toMatchObject({ status: 'undelivered', errorCode: '001' });
  });

  it('answers ESME_RX_T_APPN when the sink fails, and the receipt offered again is stored', async () => {
    const { provider, sink } = connect();
    // Receipts of earlier tests may still arrive here: fail this message's receipt, not just any.
    sink.failOnceFor = 'Encore une fois';
    const mark = smsc.events.length;
    const result = await provider.submit(sms('+33612345678', 'Encore une fois'));
    if (result.kind !== 'submitted') throw new Error('not submitted');
    const id = result.providerMessageIds[0]!;
    await until(() => hasReceipt(sink, id), 'the receipt, offered again');
    await smsc.waitFor((event) => event.event === 'deliver_sm_resp' && event.message_id === id && event.status === 0, 'the receipt acknowledged');
    const answers = eventsSince(mark, 'deliver_sm_resp').filter((event) => event.message_id === id).map((event) => event.status);
    expect(answers).toEqual([0x64, 0]);
  });
});

describe('incoming SMS (MO)', () => {
  it('passes a GSM reply with its author in E.164', async () => {
    const { provider, sink } = connect();
    await provider.submit(sms('+33612345678', 'Bind first')); // makes sure the transceiver is bound
    await smsc.deliver({ source_addr_ton: 1, source_addr_npi: 1, source_addr: '33612345678', dest_addr_ton: 3, destination_addr: '36173', data_coding: 0, short_message_hex: hex(encodeGsm7('STOP')) });
    await until(() => sink.inbounds.length === 1, 'the MO');
    expect(sink.inbounds[0]).toMatchObject({ from: '+33612345678', to: '36173', text: 'STOP' });
  });

  it('decodes a UCS-2 reply and joins a reply sent in UDH parts', async () => {
    const { provider, sink } = connect();
    await provider.submit(sms('+33612345678', 'Bind first'));
    const mark = smsc.events.length;
    await smsc.deliver({ source_addr_ton: 1, source_addr: '33612345678', destination_addr: '36173', data_coding: 8, short_message_hex: hex(encodeUcs2('Arrêt 😀')) });
    for (const [sequence, piece] of [
      [2, 'une réponse en deux morceaux'],
      [1, 'Bonjour, voici '],
    ] as const) {
      await smsc.deliver({ source_addr_ton: 1, source_addr: '33612345678', destination_addr: '36173', esm_class: 0x40, data_coding: 0, short_message_hex: `0500037f02${byte(sequence)}${hex(encodeGsm7(piece))}` });
    }
    await until(() => sink.inbounds.length === 2, 'two MOs');
    expect(sink.inbounds.map((inbound) => inbound.text)).toEqual(['Arrêt 😀', 'Bonjour, voici une réponse en deux morceaux']);
    await smsc.waitFor(() => eventsSince(mark, 'deliver_sm_resp').filter((event) => event.kind === 'mo').length === 3, 'three MOs acknowledged');
    expect(eventsSince(mark, 'deliver_sm_resp').filter((event) => event.kind === 'mo').map((event) => event.status)).toEqual([0, 0, 0]);
  });
});

describe('when the SMSC pushes back', () => {
  it('ESME_RTHROTTLED: retry after a pause that every send honours and that doubles while it lasts, then success', async () => {
    await smsc.set({ throttle: 2 });
    const { provider } = connect();
    const first = await provider.submit(sms('+33612345678', 'Un'));
    expect(first).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ESME_RTHROTTLED') });
    expect(first.kind === 'retry' && first.afterMs).toBeGreaterThanOrEqual(100);
    expect(provider.status().pausedForMs).toBeGreaterThan(0);
    // The next send waits out the pause, is throttled again: the pause doubles.
    const second = await provider.submit(sms('+33612345678', 'Deux'));
    expect(second).toMatchObject({ kind: 'retry' });
    expect(second.kind === 'retry' && second.afterMs).toBeGreaterThanOrEqual(200);
    const mark = smsc.events.length;
    expect((await provider.submit(sms('+33612345678', 'Trois'))).kind).toBe('submitted');
    // Sent only once the pause was over: the SMSC saw it after the pause, not refused.
    expect((await submitsSince(mark)).map((submit) => submit.status)).toEqual([0]);
  });

  it('ESME_RMSGQFUL is a retry too', async () => {
    await smsc.set({ queue_full: 1 });
    const { provider } = connect();
    expect(await provider.submit(sms('+33612345678', 'Plein'))).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ESME_RMSGQFUL'), afterMs: expect.any(Number) });
  });

  it('refuses an invalid destination for good, with the SMPP code', async () => {
    const { provider } = connect();
    expect(await provider.submit(sms('+33600000003', 'Refusé'))).toEqual({ kind: 'rejected', reason: 'ESME_RINVDSTADR: invalid destination address', code: '0x0000000B' });
  });

  it('a slow SMSC: no submit_sm_resp within the response timeout is a retry, and the link stays usable', async () => {
    await smsc.set({ slow_ms: 1_500, slow_count: 1 });
    const { provider } = connect({ responseTimeoutMs: 300 });
    expect(await provider.submit(sms('+33612345678', 'Lent'))).toMatchObject({ kind: 'retry', reason: 'no submit_sm_resp within 300 ms' });
    expect((await provider.submit(sms('+33612345678', 'Rapide'))).kind).toBe('submitted');
  });

  it('a dropped connection: messages on the wire come back as retries, the provider binds again, nothing is stuck', async () => {
    const { provider } = connect();
    await provider.submit(sms('+33612345678', 'Avant'));
    const mark = smsc.events.length;
    await smsc.set({ drop_after: 3 });
    const messages = [1, 2, 3, 4, 5].map((n) => sms('+33612345678', `Message ${n}`));
    const results = await Promise.all(messages.map((message) => provider.submit(message)));
    const retried = messages.filter((_, index) => results[index]!.kind === 'retry');
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const result of results) expect(['submitted', 'retry']).toContain(result.kind);
    expect(results.filter((result) => result.kind === 'retry').every((result) => result.kind === 'retry' && /link lost|not bound/.test(result.reason))).toBe(true);
    // The pipeline's retries go out on a new bind.
    for (const message of retried) expect((await provider.submit(message)).kind).toBe('submitted');
    expect(eventsSince(mark, 'bind').length).toBeGreaterThanOrEqual(1);
    expect(provider.status().binds[0]!.state).toBe('bound');
  });

  it('a refused bind: submits are retries naming the SMSC\'s answer, and the provider binds once it is accepted', async () => {
    await smsc.set({ password: 'other' });
    const { provider } = connect({ submitTimeoutMs: 1_000 });
    const refused = await provider.submit(sms('+33612345678', 'Refusé'));
    expect(refused).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ESME_RINVPASWD') });
    expect(provider.status().binds[0]!.lastError).toContain('bind_transceiver refused');
    await smsc.set({ password: 'secret' });
    await until(() => provider.status().binds[0]!.state === 'bound', 'the bind');
    expect((await provider.submit(sms('+33612345678', 'Accepté'))).kind).toBe('submitted');
  });
});

describe('long messages that fail halfway', () => {
  const long = `${'Nouvelle collection printemps disponible en boutique et en ligne des demain matin. '.repeat(4)}Fin.`;

  it('a part refused for now: the retry sends only the missing parts, with the same reference', async () => {
    expect(analyzeSms(long).segmentCount).toBe(3);
    await smsc.set({ script: [0, 0x58] });
    const { provider } = connect();
    const message = sms('+33612345678', long);
    const mark = smsc.events.length;
    const first = await provider.submit(message);
    expect(first).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^part 2\/3: ESME_RTHROTTLED/) });
    const second = await provider.submit(message);
    if (second.kind !== 'submitted') throw new Error(JSON.stringify(second));
    const submits = await submitsSince(mark);
    expect(submits.map((submit) => [submit.short_message_hex.slice(10, 12), submit.status])).toEqual([
      ['01', 0],
      ['02', 0x58],
      ['02', 0],
      ['03', 0],
    ]);
    expect(new Set(submits.map((submit) => submit.short_message_hex.slice(0, 8))).size).toBe(1); // one reference
    expect(second.providerMessageIds).toEqual([submits[0]!.message_id, submits[2]!.message_id, submits[3]!.message_id]);
  });

  it('a part refused for good after others were accepted: rejected, naming the accepted ids', async () => {
    await smsc.set({ script: [0, 0x45] });
    const { provider } = connect();
    const mark = smsc.events.length;
    const result = await provider.submit(sms('+33612345678', long));
    const accepted = (await submitsSince(mark))[0]!.message_id!;
    expect(result).toEqual({
      kind: 'rejected',
      reason: `part 2/3: ESME_RSUBMITFAIL: submit failed at the SMSC; parts accepted before it (ids ${accepted}) may reach the handset as an incomplete message`,
      code: '0x00000045',
    });
  });
});

describe('binds', () => {
  it('transmitter + receiver: submits on the transmitter, receipts and replies on the receiver', async () => {
    const mark = smsc.events.length;
    const { provider, sink } = connect({ bindMode: 'transmitter+receiver' });
    const result = await provider.submit(sms('+33612345678', 'Deux liens'));
    if (result.kind !== 'submitted') throw new Error(JSON.stringify(result));
    await until(() => hasReceipt(sink, result.providerMessageIds[0]!), 'the receipt');
    const binds = eventsSince(mark, 'bind');
    const transmitter = binds.find((bind) => bind.mode === 'transmitter')!.conn;
    const receiver = binds.find((bind) => bind.mode === 'receiver')!.conn;
    expect((await submitsSince(mark))[0]!.conn).toBe(transmitter);
    expect(eventsSince(mark, 'deliver_sm').find((event) => event.message_id === result.providerMessageIds[0])!.conn).toBe(receiver);
    expect(provider.status().binds.map((bind) => [bind.command, bind.state])).toEqual([
      ['bind_transmitter', 'bound'],
      ['bind_receiver', 'bound'],
    ]);
  });

  it('keeps an idle link alive with enquire_link and unbinds on close', async () => {
    const mark = smsc.events.length;
    const { provider } = connect({ enquireLinkIntervalMs: 100 });
    await smsc.waitFor((event) => smsc.events.indexOf(event) >= mark && event.event === 'enquire_link', 'an enquire_link');
    const conn = eventsSince(mark, 'bind')[0]!.conn;
    await provider.close();
    await provider.close();
    await smsc.waitFor((event) => event.event === 'unbind' && event.conn === conn, 'the unbind');
    expect(await provider.submit(sms('+33612345678', 'Trop tard'))).toMatchObject({ kind: 'retry' });
  });
});
