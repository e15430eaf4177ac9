import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { randomBase62 } from '../../src/ids.ts';
import { analyzeSms } from '../../src/sending/encoding/index.ts';
import type { Channel, InboundSms, OutboundEmail, OutboundSms, Provider, ProviderReceipt, ProviderSink } from '../../src/sending/providers/provider.ts';

/**
 * The contract every provider passes (sandbox, SMPP upstream, SMTP), run by one test file per
 * provider. A target brings up whatever the provider talks to (nothing for the sandbox, a fake SMSC
 * on loopback for SMPP, an SMTP server for SMTP) and says what that far side received.
 *
 * Tests wait for events (a receipt reaching the sink), never for a fixed time.
 */

/** What the far side got, in the provider-neutral shape the suite checks. */
export interface ObservedMessage {
  to: string;
  /** SMS: the text as decoded by the far side (parts joined); email: the plain-text body. */
  text: string;
  /** SMS: the coding the far side saw. */
  encoding?: 'GSM-7' | 'UCS-2';
  /** SMS sender id / email From address. */
  from?: string;
  /** Email only. */
  subject?: string;
  headers?: Record<string, string>;
}

export interface ProviderUnderTest {
  /** A provider bound to `sink`, as the registry would create it. */
  create(sink: ProviderSink): Promise<Provider>;
  /** Everything the far side received so far, in order. */
  received(): Promise<ObservedMessage[]>;
  /** Makes the far side send an incoming SMS (SMS targets only). */
  sendInbound?(sms: { from: string; to: string; text: string }): Promise<void>;
  tearDown(): Promise<void>;
}

export interface ProviderContractTarget {
  label: string;
  channel: Channel;
  setUp(): Promise<ProviderUnderTest>;
  /**
   * Recipients the far side treats in a known way: `delivered` gets a delivered receipt,
   * `undelivered` an undelivered one; `rejected`, when given, is refused at submit.
   * `receipts: false` for a protocol without delivery receipts (SMTP: a relay's 250 is all the
   * submission connection says; bounces come later by mail): the receipt cases are not run.
   */
  recipients: { delivered: string; rejected?: string } & ({ receipts: false } | { receipts?: true; undelivered: string });
  /** A sender id the far side accepts. */
  from: string;
}

const TENANT = 'ten_contract';

/** A sink that records, and can be told to fail its next calls (the provider must offer them again). */
class RecordingSink implements ProviderSink {
  readonly receipts: { tenantId: string; receipt: ProviderReceipt }[] = [];
  readonly inbounds: { tenantId: string; sms: InboundSms }[] = [];
  failNext = 0;
  readonly #waiters: (() => void)[] = [];

  async receipt(tenantId: string, receipt: ProviderReceipt): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      this.#wake();
      throw new Error('sink unavailable (test)');
    }
    this.receipts.push({ tenantId, receipt });
    this.#wake();
  }

  async inbound(tenantId: string, sms: InboundSms): Promise<void> {
    this.inbounds.push({ tenantId, sms });
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

function sms(target: ProviderContractTarget, to: string, text: string): OutboundSms {
  const analysis = analyzeSms(text);
  return { messageId: randomBase62(10), tenantId: TENANT, from: target.from, to, text, encoding: analysis.encoding, segments: analysis.segmentCount, requestReceipt: true };
}

function email(target: ProviderContractTarget, to: string, subject: string, text: string): OutboundEmail {
  return {
    messageId: randomBase62(10),
    tenantId: TENANT,
    from: { email: target.from, name: 'Boutique' },
    to,
    subject,
    text,
    html: `<p>${text}</p>`,
    headers: { 'List-Unsubscribe': '<https://hub.example/unsubscribe/x/y>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

async function submit(provider: Provider, message: OutboundSms | OutboundEmail) {
  return provider.channel === 'sms' ? provider.submit(message as OutboundSms) : provider.submit(message as OutboundEmail);
}

export function providerContract(target: ProviderContractTarget): void {
  let underTest: ProviderUnderTest;
  const open: Provider[] = [];

  beforeAll(async () => {
    underTest = await target.setUp();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((provider) => provider.close()));
  });
  afterAll(async () => {
    await underTest?.tearDown();
  });

  async function create(sink: ProviderSink): Promise<Provider> {
    const provider = await underTest.create(sink);
    open.push(provider);
    return provider;
  }

  const message = (to: string, text: string) => (target.channel === 'sms' ? sms(target, to, text) : email(target, to, `Sujet ${text.slice(0, 20)}`, text));

  it('reports its channel and a kind', async () => {
    const provider = await create(new RecordingSink());
    expect(provider.channel).toBe(target.channel);
    expect(provider.kind).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('submits: the far side receives exactly the message, and the result carries provider ids', async () => {
    const provider = await create(new RecordingSink());
    const text = `Commande ${randomBase62(6)} expédiée`;
    const before = (await underTest.received()).length;
    const outbound = message(target.recipients.delivered, text);
    const result = await submit(provider, outbound);
    expect(result.kind).toBe('submitted');
    if (result.kind !== 'submitted') return;
    expect(result.providerMessageIds.length).toBeGreaterThanOrEqual(1);
    for (const id of result.providerMessageIds) expect(id).toMatch(/\S/);
    const received = (await underTest.received()).slice(before);
    const got = received.find((observed) => observed.text.includes(text));
    expect(got).toBeDefined();
    expect(got!.to.replace(/^\+/, '')).toBe(target.recipients.delivered.replace(/^\+/, ''));
    if (target.channel === 'email') {
      expect(got!.subject).toBe((outbound as OutboundEmail).subject);
      expect(got!.headers?.['list-unsubscribe'] ?? got!.headers?.['List-Unsubscribe']).toBe('<https://hub.example/unsubscribe/x/y>');
    }
  });

  it('gives distinct provider ids to distinct messages', async () => {
    const provider = await create(new RecordingSink());
    const results = await Promise.all([1, 2, 3].map((n) => submit(provider, message(target.recipients.delivered, `Message ${n} ${randomBase62(4)}`))));
    const ids = results.flatMap((result) => (result.kind === 'submitted' ? result.providerMessageIds : []));
    expect(ids).toHaveLength(new Set(ids).size);
    expect(ids.length).toBeGreaterThanOrEqual(3);
  });

  const { recipients } = target;
  if (recipients.receipts !== false) {
    it('reports a delivered receipt for one of its provider ids, with the raw receipt', async () => {
      const sink = new RecordingSink();
      const provider = await create(sink);
      const result = await submit(provider, message(target.recipients.delivered, `Livraison ${randomBase62(6)}`));
      if (result.kind !== 'submitted') throw new Error(`not submitted: ${JSON.stringify(result)}`);
      await sink.until(() => sink.receipts.some(({ receipt }) => result.providerMessageIds.includes(receipt.providerMessageId) && receipt.status === 'delivered'), 'a delivered receipt');
      const { tenantId, receipt } = sink.receipts.find(({ receipt: candidate }) => result.providerMessageIds.includes(candidate.providerMessageId))!;
      expect(tenantId).toBe(TENANT);
      expect(receipt.raw.length).toBeGreaterThan(0);
      expect(receipt.at).toBeInstanceOf(Date);
    });

    it('reports an undelivered receipt for the undelivered recipient', async () => {
      const sink = new RecordingSink();
      const provider = await create(sink);
      const result = await submit(provider, message(recipients.undelivered, `Absent ${randomBase62(6)}`));
      if (result.kind !== 'submitted') throw new Error(`not submitted: ${JSON.stringify(result)}`);
      await sink.until(() => sink.receipts.some(({ receipt }) => result.providerMessageIds.includes(receipt.providerMessageId) && receipt.status !== 'accepted' && receipt.status !== 'enroute'), 'a final receipt');
      const final = sink.receipts.find(({ receipt }) => result.providerMessageIds.includes(receipt.providerMessageId) && receipt.status !== 'accepted' && receipt.status !== 'enroute');
      expect(final!.receipt.status).toBe('undelivered');
    });
  }

  if (target.recipients.rejected !== undefined) {
    it('refuses the rejected recipient with a reason', async () => {
      const provider = await create(new RecordingSink());
      const result = await submit(provider, message(target.recipients.rejected!, 'Refusé'));
      expect(result).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/\S/) });
    });
  }

  if (recipients.receipts !== false) {
    it('does not lose a receipt the sink failed to store: it is offered again', async () => {
      const sink = new RecordingSink();
      sink.failNext = 1;
      const provider = await create(sink);
      const result = await submit(provider, message(target.recipients.delivered, `Retry ${randomBase62(6)}`));
      if (result.kind !== 'submitted') throw new Error(`not submitted: ${JSON.stringify(result)}`);
      await sink.until(() => sink.receipts.some(({ receipt }) => result.providerMessageIds.includes(receipt.providerMessageId)), 'the receipt, offered again');
      expect(sink.failNext).toBe(0);
    });
  }

  if (target.channel === 'sms') {
    it('sends UCS-2 text unchanged (French typography)', async () => {
      const provider = await create(new RecordingSink());
      const text = `L’été arrive, profitez-en : −20 % sur la crème brûlée ${randomBase62(4)}`;
      const before = (await underTest.received()).length;
      const outbound = sms(target, target.recipients.delivered, text);
      expect(outbound.encoding).toBe('UCS-2');
      expect((await submit(provider, outbound)).kind).toBe('submitted');
      const got = (await underTest.received()).slice(before).find((observed) => observed.text === text);
      expect(got).toBeDefined();
      if (got!.encoding !== undefined) expect(got!.encoding).toBe('UCS-2');
    });

    it('sends a long message as several parts with one id each at most, and the whole text arrives', async () => {
      const provider = await create(new RecordingSink());
      const text = `${'Offre spéciale fin de saison, jusqu\'à moins 50 pour cent sur toute la boutique. '.repeat(5)}${randomBase62(6)}`;
      const outbound = sms(target, target.recipients.delivered, text);
      expect(outbound.segments).toBeGreaterThan(1);
      const before = (await underTest.received()).length;
      const result = await submit(provider, outbound);
      if (result.kind !== 'submitted') throw new Error(`not submitted: ${JSON.stringify(result)}`);
      expect(result.providerMessageIds.length).toBeLessThanOrEqual(outbound.segments);
      expect((await underTest.received()).slice(before).some((observed) => observed.text === text)).toBe(true);
    });

    it('passes an incoming SMS to the sink', async () => {
      if (!underTest.sendInbound) return;
      const sink = new RecordingSink();
      await create(sink);
      await underTest.sendInbound({ from: '+33612345678', to: '36173', text: 'STOP' });
      await sink.until(() => sink.inbounds.length > 0, 'the inbound SMS');
      expect(sink.inbounds[0]!.sms).toMatchObject({ text: 'STOP', to: '36173' });
      expect(sink.inbounds[0]!.sms.from.replace(/^\+/, '')).toBe('33612345678');
      expect(sink.inbounds[0]!.sms.at).toBeInstanceOf(Date);
    });
  }

  it('closes cleanly, twice', async () => {
    const provider = await underTest.create(new RecordingSink());
    await provider.close();
    await provider.close();
  });
}
