import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUnsubscribeTokens } from './unsubscribe/index.ts';
import { testStores } from '../../test/support/stores.ts';
import { createContactsModule, type ContactsModule } from '../contacts/contacts-module.ts';
import { RecordingPublisher } from '../contacts/test-support.ts';
import { StoreJobQueue } from '../queue/store-job-queue.ts';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createVault } from '../vault/vault.ts';
import type { MessageStatus } from './message.ts';
import { historyOf, receiptsOf } from './message-store.ts';
import { outcomeRandom, type SandboxSmsProvider } from './providers/sandbox/sandbox-provider.ts';
import { IdempotencyKeyReusedError, SendInputError, type SmsItem } from './requests.ts';
import { SendingSettingsSchema } from './settings.ts';
import { errorCodeOf, receiptPdu, type FinalStatus } from '../smpp/server/deliver-pdus.ts';
import { createSendingModule, type SendingModule } from './sending-module.ts';

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(testStores)('sending pipeline on $kind', (factory) => {
  let store: Store;
  let queue: StoreJobQueue;
  let publisher: RecordingPublisher;
  let contacts: ContactsModule;
  let sending: SendingModule;
  let tenantId: string;
  /** Business time: real time unless a test pins it. */
  let now: (() => Date) | undefined;

  beforeAll(async () => {
    store = await factory.open();
    queue = await StoreJobQueue.open(store, { pollMs: 50, logger: { warn: () => {}, error: () => {} } });
    publisher = new RecordingPublisher();
    contacts = createContactsModule(store, publisher);
    sending = createSendingModule({
      db: store,
      queue,
      publisher,
      vault: createVault(randomBytes(32)),
      log: pino({ level: 'silent' }),
      publicUrl: 'https://hub.example',
      network: { allowPrivateTargets: false },
      unsubscribeTokens: createUnsubscribeTokens(randomBytes(32)),
      contacts,
      clock: () => (now ? now() : new Date()),
      retry: { baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 3 },
    });
    await sending.startWorkers();
  });
  afterAll(async () => {
    await queue?.close();
    await sending?.close();
    await store?.close();
  });
  beforeEach(async () => {
    now = undefined;
    tenantId = (await createTenant(store, 'shop')).id;
    await sending.registry.put(tenantId, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 10 } });
    await sending.registry.put(tenantId, 'email', { kind: 'sandbox', settings: { receiptDelayMs: 10 } });
  });

  /** A clock that runs from a chosen instant (a Tuesday morning: marketing SMS may leave). */
  const runningFrom = (iso: string) => {
    const base = Date.parse(iso);
    const start = Date.now();
    now = () => new Date(base + (Date.now() - start));
  };
  const sandbox = async () => (await sending.registry.resolve(tenantId, 'sms')).provider as SandboxSmsProvider;
  const statusOf = async (id: string) => (await sending.getMessage(tenantId, id))?.status;
  const until = (id: string, status: MessageStatus) => waitFor(async () => (await statusOf(id)) === status, `${id} to be ${status}`);
  const events = (type: string, messageId?: string) => publisher.ofType(type).filter((event) => event.tenantId === tenantId && (messageId === undefined || event.data.messageId === messageId));
  const sms = (item: Partial<SmsItem>) => sending.sendSms(tenantId, { category: 'transactional', text: 'Votre commande 1234 est prête', to: '+33612345678', ...item } as SmsItem);
  const customer = async (consent: 'granted' | 'withdrawn' | undefined, extra: Record<string, unknown> = {}) =>
    (await contacts.contacts.upsertContact(tenantId, { phone: '+33612345678', firstName: 'Camille', ...(consent ? { consent: { sms: { status: consent } } } : {}), ...extra }, 'api')).contact;

  it('takes a message through the sandbox to delivered, with its history, receipt and events', async () => {
    const message = await sms({});
    expect(message).toMatchObject({ status: 'accepted', encoding: 'UCS-2', segments: 1 });
    expect(message.id).toMatch(/^[A-Za-z0-9]{10}$/);
    await until(message.id, 'delivered');
    expect((await historyOf(store, tenantId, message.id)).map((change) => change.status)).toEqual(['accepted', 'submitted', 'delivered']);
    const receipts = await receiptsOf(store, tenantId, message.id);
    expect(receipts).toEqual([expect.objectContaining({ status: 'delivered', raw: expect.stringMatching(/stat:DELIVRD err:000/) })]);
    await waitFor(async () => events('message.delivered', message.id).length === 1, 'message.delivered');
    expect(events('message.submitted', message.id)).toEqual([expect.objectContaining({ dedupeKey: `message.submitted:${message.id}`, data: expect.objectContaining({ to: '+33612345678', segments: 1 }) })]);
  });

  it('reads the conversation with some numbers: sent with their receipts, replies, newest first, limited, other tenants\' unseen', async () => {
    const first = await sms({ text: 'Votre devis est prêt' });
    await until(first.id, 'delivered');
    await sms({ to: '+33698765432', text: 'Un autre numéro' });
    const other = (await createTenant(store, 'other shop')).id;
    await sending.inbound(other, { from: '+33612345678', to: '36173', text: 'ailleurs', at: new Date() });
    await sending.inbound(tenantId, { from: '+33612345678', to: '36173', text: 'Merci !', at: new Date(Date.now() + 1_000) });
    const conversation = await sending.conversation(tenantId, ['+33612345678', '+33611111111'], 10);
    expect(conversation).toEqual([
      expect.objectContaining({ direction: 'received', from: '+33612345678', text: 'Merci !', inReplyTo: first.id, optOut: false }),
      expect.objectContaining({ direction: 'sent', id: first.id, to: '+33612345678', text: 'Votre devis est prêt', status: 'delivered', scheduledFor: null, receipts: [expect.objectContaining({ status: 'delivered', errorCode: '000' })] }),
    ]);
    expect(await sending.conversation(tenantId, ['+33612345678'], 1)).toEqual([expect.objectContaining({ direction: 'received' })]);
    expect(await sending.conversation(tenantId, [], 10)).toEqual([]);
  });

  it('ends undelivered on an undelivered receipt and publishes message.failed', async () => {
    const message = await sms({ to: '+33600000001' });
    await until(message.id, 'undelivered');
    expect((await sending.getMessage(tenantId, message.id))!.error).toBe('undelivered (err:001)');
    await waitFor(async () => events('message.failed', message.id).length === 1, 'message.failed');
    expect(events('message.failed', message.id)[0]!.data).toMatchObject({ status: 'undelivered' });
  });

  it('fails a multipart SMS when one part is undelivered', async () => {
    const message = await sms({ to: '+33600000006', text: 'Offre de printemps : '.repeat(12) });
    expect(message.segments).toBeGreaterThan(1);
    await until(message.id, 'undelivered');
    const stored = await sending.getMessage(tenantId, message.id);
    expect(stored!.providerMessageIds).toHaveLength(message.segments!);
  });

  it('delivers a multipart SMS when every part is delivered', async () => {
    const message = await sms({ text: 'Offre de printemps : '.repeat(12) });
    await until(message.id, 'delivered');
    expect(await receiptsOf(store, tenantId, message.id)).toHaveLength(message.segments!);
  });

  it('ends rejected when the provider refuses, and retries a throttled submit', async () => {
    const rejected = await sms({ to: '+33600000003' });
    await until(rejected.id, 'rejected');
    expect((await sending.getMessage(tenantId, rejected.id))!.error).toMatch(/ESME_RINVDSTADR/);
    const throttled = await sms({ to: '+33600000004' });
    await until(throttled.id, 'delivered');
    const history = await historyOf(store, tenantId, throttled.id);
    expect(history.map((change) => [change.status, change.reason])).toContainEqual(['scheduled', 'retry']);
    expect((await sending.getMessage(tenantId, throttled.id))!.attempts).toBe(2);
  });

  it('correlates a late receipt by provider message id', async () => {
    const message = await sms({ to: '+33600000005' });
    await until(message.id, 'submitted');
    const [providerMessageId] = (await sending.getMessage(tenantId, message.id))!.providerMessageIds;
    await sending.sinkFor('sms').receipt(tenantId, { providerMessageId: providerMessageId!, status: 'delivered', at: new Date(), raw: 'id:x stat:DELIVRD' });
    expect(await statusOf(message.id)).toBe('delivered');
    // A receipt for an id nobody knows is kept, not applied.
    await sending.sinkFor('sms').receipt(tenantId, { providerMessageId: 'nobody', status: 'delivered', at: new Date(), raw: 'id:nobody' });
    const [row] = await store.query<{ applied: boolean; message_id: string | null }>('SELECT applied, message_id FROM message_receipts WHERE tenant_id = $1 AND provider_message_id = $2', [tenantId, 'nobody']);
    expect(row).toEqual({ applied: false, message_id: null });
  });

  describe('receipt timeout', () => {
    const HOUR = 3_600_000;
    /** Back-dates the submission: the sweeper compares it with the business clock (real time here). */
    const submittedHoursAgo = (id: string, hours: number) => store.query('UPDATE messages SET submitted_at = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, new Date(Date.now() - hours * HOUR)]);
    const partStates = async (id: string) =>
      (await store.query<{ state: string }>('SELECT state FROM message_parts WHERE tenant_id = $1 AND message_id = $2 ORDER BY part', [tenantId, id])).map((row) => row.state);
    const silentSms = async (item: Partial<SmsItem> = {}) => {
      const message = await sms({ to: '+33600000005', ...item });
      await until(message.id, 'submitted');
      return message;
    };

    it('expires an SMS without receipt after 72 h by default, not before, with one message.failed however often the sweeper runs', async () => {
      const message = await silentSms();
      await submittedHoursAgo(message.id, 71);
      await sending.sweep();
      expect(await statusOf(message.id)).toBe('submitted');
      await submittedHoursAgo(message.id, 73);
      await sending.sweep();
      await sending.sweep();
      const stored = (await sending.getMessage(tenantId, message.id))!;
      expect(stored).toMatchObject({ status: 'expired', error: 'no receipt within 72 h of submission' });
      expect((await historyOf(store, tenantId, message.id)).at(-1)).toMatchObject({ status: 'expired', reason: 'no receipt within 72 h of submission' });
      expect(await partStates(message.id)).toEqual(['expired']);
      expect(events('message.failed', message.id)).toEqual([expect.objectContaining({ data: expect.objectContaining({ status: 'expired', reason: 'no receipt within 72 h of submission' }) })]);
      // What the SMPP server's event source makes of that event for an ESME (src/smpp/server/event-source.ts).
      const { data } = events('message.failed', message.id)[0]!;
      const status = data.status as FinalStatus;
      const pdu = receiptPdu({
        id: 'abc', sourceAddr: 'Shop', sourceTon: 5, sourceNpi: 0, destinationAddr: '33600000005', destTon: 1, destNpi: 1,
        submittedAt: new Date(), doneAt: new Date(), status, errorCode: errorCodeOf(status, data.reason as string), text: 'Votre commande',
      });
      expect(Buffer.from(pdu.short_message as string, 'base64').toString('latin1')).toMatch(/stat:EXPIRED err:001 /);
    });

    it('keeps final what the hub expired: a late receipt is recorded and changes nothing', async () => {
      const message = await silentSms();
      await submittedHoursAgo(message.id, 80);
      await sending.sweep();
      expect(await statusOf(message.id)).toBe('expired');
      const [providerMessageId] = (await sending.getMessage(tenantId, message.id))!.providerMessageIds;
      await sending.sinkFor('sms').receipt(tenantId, { providerMessageId: providerMessageId!, status: 'delivered', at: new Date(), raw: `id:${providerMessageId} stat:DELIVRD err:000` });
      expect(await statusOf(message.id)).toBe('expired');
      expect(await partStates(message.id)).toEqual(['expired']);
      expect(await receiptsOf(store, tenantId, message.id)).toEqual([expect.objectContaining({ status: 'delivered' })]);
      expect(events('message.delivered', message.id)).toEqual([]);
      expect(events('message.failed', message.id)).toHaveLength(1);
    });

    it('uses the tenant\'s receiptTimeoutHours, and expires the pending parts of a long SMS', async () => {
      await sending.settings.put(tenantId, SendingSettingsSchema.parse({ receiptTimeoutHours: 2 }));
      const message = await silentSms({ text: 'Offre de printemps : '.repeat(12) });
      const ids = (await sending.getMessage(tenantId, message.id))!.providerMessageIds;
      expect(ids.length).toBeGreaterThan(1);
      await sending.sinkFor('sms').receipt(tenantId, { providerMessageId: ids[0]!, status: 'delivered', at: new Date(), raw: `id:${ids[0]} stat:DELIVRD` });
      await submittedHoursAgo(message.id, 1.5);
      await sending.sweep();
      expect(await statusOf(message.id)).toBe('submitted');
      await submittedHoursAgo(message.id, 2.5);
      await sending.sweep();
      expect(await sending.getMessage(tenantId, message.id)).toMatchObject({ status: 'expired', error: 'no receipt within 2 h of submission' });
      expect(await partStates(message.id)).toEqual(['delivered', ...ids.slice(1).map(() => 'expired')]);
    });

    it('leaves final messages and email alone', async () => {
      const delivered = await sms({});
      await until(delivered.id, 'delivered');
      const email = await sending.sendEmail(tenantId, { category: 'transactional', to: 'silent@example.fr', subject: 'Commande', text: 'Expédiée', from: { email: 'shop@shop.fr' } });
      await until(email.id, 'submitted');
      await store.query('UPDATE messages SET submitted_at = $2 WHERE tenant_id = $1', [tenantId, new Date(Date.now() - 1000 * HOUR)]);
      await sending.sweep();
      expect(await statusOf(delivered.id)).toBe('delivered');
      expect(await statusOf(email.id)).toBe('submitted');
      expect(events('message.failed')).toEqual([]);
    });

    it('replays a sandbox receipt the process held in memory when it died: the same outcome, from the sweeper of any process', async () => {
      // A receipt delay longer than the test: the in-memory receipt never comes, as if its process were killed.
      await sending.registry.put(tenantId, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 600_000, outcomes: { delivered: 1, undelivered: 1 } } });
      const messages = await Promise.all(['+33612345001', '+33612345002', '+33612345003', '+33612345004', '+33600000005'].map((to) => sms({ to })));
      for (const message of messages) await until(message.id, 'submitted');
      await sending.sweep();
      expect(await Promise.all(messages.map((message) => statusOf(message.id)))).toEqual(messages.map(() => 'submitted'));
      // Overdue: submitted longer ago than the delay plus the replay margin.
      for (const message of messages) await store.query('UPDATE messages SET submitted_at = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, message.id, new Date(Date.now() - 700_000)]);
      // At least these five (earlier tests' silent messages are offered too, and stay as they are).
      expect((await sending.sweep()).replayed).toBeGreaterThanOrEqual(5);
      const statuses = await Promise.all(messages.map((message) => statusOf(message.id)));
      // The weighted outcome is decided from the message id, so it is the one the dead process would have sent.
      expect(statuses.slice(0, 4)).toEqual(messages.slice(0, 4).map((message) => (outcomeRandom(message.id) < 0.5 ? 'delivered' : 'undelivered')));
      // A silent recipient (no receipt ever) stays submitted until the receipt timeout.
      expect(statuses[4]).toBe('submitted');
    });

    it('validates receiptTimeoutHours: 1 to 720 hours, 72 by default', () => {
      expect(SendingSettingsSchema.parse({}).receiptTimeoutHours).toBe(72);
      expect(SendingSettingsSchema.safeParse({ receiptTimeoutHours: 0 }).error?.issues).toEqual([expect.objectContaining({ path: ['receiptTimeoutHours'], message: expect.stringMatching(/at least 1/) })]);
      expect(SendingSettingsSchema.safeParse({ receiptTimeoutHours: 1000 }).error?.issues).toEqual([expect.objectContaining({ path: ['receiptTimeoutHours'], message: expect.stringMatching(/at most 720/) })]);
      expect(SendingSettingsSchema.safeParse({ receiptTimeoutHours: 1.5 }).success).toBe(false);
    });
  });

  describe('idempotency', () => {
    it('answers the same message for the same key, and submits once', async () => {
      const first = await sending.sendSms(tenantId, { category: 'transactional', to: '+33612345678', text: 'Code 4411' }, { idempotencyKey: 'order-1' });
      const again = await sending.sendSms(tenantId, { category: 'transactional', to: '+33612345678', text: 'Code 4411' }, { idempotencyKey: 'order-1' });
      expect(again.id).toBe(first.id);
      await until(first.id, 'delivered');
      expect((await sandbox()).records.filter((record) => record.message.messageId === first.id)).toHaveLength(1);
    });

    it('absorbs concurrent duplicates: one message', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => sending.send(tenantId, { channel: 'sms', batch: true, items: [{ category: 'transactional', to: '+33612345678', text: 'A' }, { category: 'transactional', to: '+33612345679', text: 'B' }] }, { idempotencyKey: 'batch-1' })),
      );
      const ids = new Set(results.flatMap((result) => result.messages.map((message) => message.id)));
      expect(ids.size).toBe(2);
      const [count] = await store.query<{ count: number }>('SELECT count(*)::int AS count FROM messages WHERE tenant_id = $1', [tenantId]);
      expect(count!.count).toBe(2);
    });

    it('refuses the same key with another request', async () => {
      await sending.sendSms(tenantId, { category: 'transactional', to: '+33612345678', text: 'A' }, { idempotencyKey: 'k' });
      await expect(sending.sendSms(tenantId, { category: 'transactional', to: '+33612345678', text: 'B' }, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    });
  });

  describe('compliance', () => {
    it('requires consent for marketing, appends the STOP mention once, and exempts transactional', async () => {
      const contact = await customer(undefined);
      const blocked = await sms({ category: 'marketing', contactId: contact.id, to: undefined, text: 'Promo' });
      expect(blocked).toMatchObject({ status: 'blocked', blockReason: 'no_consent', contactId: contact.id });
      await waitFor(async () => events('message.failed', blocked.id).length === 1, 'message.failed for the blocked message');
      expect(events('message.failed', blocked.id)[0]!.data).toMatchObject({ status: 'blocked', reason: 'no_consent' });
      expect((await sms({ contactId: contact.id, to: undefined })).status).toBe('accepted');

      await contacts.contacts.setConsent(tenantId, contact.id, 'sms', { status: 'granted' });
      const sent = await sms({ category: 'marketing', contactId: contact.id, to: undefined, text: 'Bonjour {{ contact.firstName }}, -20% STOP au 36173' });
      expect(sent.text).toBe('Bonjour Camille, -20% STOP au 36173');
      const appended = await sms({ category: 'marketing', contactId: contact.id, to: undefined, text: 'Bonjour {{ contact.firstName }}, -20%' });
      expect(appended.text).toBe('Bonjour Camille, -20%\nSTOP au 36173');
    });

    it('lets the opt-out list win over consent, for marketing only', async () => {
      const contact = await customer('granted');
      await contacts.optOuts.optOut(tenantId, 'sms', '+33612345678', { source: 'api' });
      expect(await sms({ category: 'marketing', contactId: contact.id, to: undefined })).toMatchObject({ status: 'blocked', blockReason: 'opted_out' });
      expect(await sms({ category: 'transactional', contactId: contact.id, to: undefined })).toMatchObject({ status: 'accepted' });
    });

    it('blocks at submit an opt-out that arrived while the message waited', async () => {
      runningFrom('2027-03-09T10:00:00Z');
      const contact = await customer('granted');
      const message = await sms({ category: 'marketing', contactId: contact.id, to: undefined, sendAt: new Date(now!().getTime() + 1_500).toISOString() });
      expect(message).toMatchObject({ status: 'scheduled', scheduleReason: 'send_at' });
      await contacts.optOuts.optOut(tenantId, 'sms', '+33612345678', { source: 'api' });
      await until(message.id, 'blocked');
      expect((await sending.getMessage(tenantId, message.id))!.blockReason).toBe('opted_out');
      expect((await sandbox()).records.some((record) => record.message.messageId === message.id)).toBe(false);
    });

    it('defers marketing SMS in quiet hours with the pipeline clock: Sunday in Paris → Monday 08:00', async () => {
      now = () => new Date('2027-03-07T10:00:00Z');
      const contact = await customer('granted');
      const message = await sms({ category: 'marketing', contactId: contact.id, to: undefined });
      expect(message).toMatchObject({ status: 'scheduled', scheduleReason: 'quiet_hours' });
      expect(message.scheduledFor!.toISOString()).toBe('2027-03-08T07:00:00.000Z');
      expect((await historyOf(store, tenantId, message.id)).map((change) => [change.status, change.reason])).toEqual([['scheduled', 'quiet_hours']]);
    });

    it('defers in the contact\'s own time zone and on French public holidays', async () => {
      now = () => new Date('2027-07-14T08:00:00Z');
      const paris = await customer('granted');
      expect((await sms({ category: 'marketing', contactId: paris.id, to: undefined })).scheduledFor!.toISOString()).toBe('2027-07-15T06:00:00.000Z');
      now = () => new Date('2027-03-08T09:00:00Z');
      const martinique = (await contacts.contacts.upsertContact(tenantId, { phone: '+596696123456', timeZone: 'America/Martinique', consent: { sms: { status: 'granted' } } }, 'api')).contact;
      expect((await sms({ category: 'marketing', contactId: martinique.id, to: undefined })).scheduledFor!.toISOString()).toBe('2027-03-08T12:00:00.000Z');
      expect((await sms({ category: 'transactional', contactId: martinique.id, to: undefined })).status).toBe('accepted');
    });
  });

  describe('inbound SMS', () => {
    it('records a STOP reply as an opt-out with contact.unsubscribed, and blocks the next marketing send', async () => {
      runningFrom('2027-03-09T10:00:00Z');
      const contact = await customer('granted');
      const sent = await sms({ category: 'marketing', contactId: contact.id, to: undefined });
      await until(sent.id, 'delivered');
      await (await sandbox()).simulateInbound(tenantId, { from: '33612345678', to: '36173', text: 'Stop', at: new Date(), providerMessageId: 'mo-1' });
      expect(await contacts.optOuts.isOptedOut(tenantId, 'sms', '+33612345678')).toBe(true);
      expect(publisher.ofType('contact.unsubscribed').filter((event) => event.tenantId === tenantId)).toEqual([
        expect.objectContaining({ subject: { phone: '+33612345678', contactId: contact.id }, data: { channel: 'sms', address: '+33612345678', via: 'sms-keyword:STOP' } }),
      ]);
      expect(publisher.ofType('sms.received').filter((event) => event.tenantId === tenantId)).toEqual([
        expect.objectContaining({ data: { from: '+33612345678', to: '36173', text: 'Stop', messageId: expect.stringMatching(/^mo_/), inReplyToMessageId: sent.id } }),
      ]);
      expect(await sms({ category: 'marketing', contactId: contact.id, to: undefined })).toMatchObject({ status: 'blocked', blockReason: 'opted_out' });
      // The same MO delivered again (our acknowledgement was lost) changes nothing.
      await (await sandbox()).simulateInbound(tenantId, { from: '33612345678', to: '36173', text: 'Stop', at: new Date(), providerMessageId: 'mo-1' });
      expect(publisher.ofType('contact.unsubscribed').filter((event) => event.tenantId === tenantId)).toHaveLength(1);
    });

    it('uses the tenant\'s keywords and leaves other replies alone', async () => {
      await sending.settings.put(tenantId, { ...(await sending.settings.get(tenantId)), optOutKeywords: ['STOP', 'ANNULER'] });
      const reply = await sending.inbound(tenantId, { from: '+33612345678', to: '36173', text: 'Oui je confirme, merci', at: new Date() });
      expect(reply.optOutKeyword).toBeUndefined();
      expect(await contacts.optOuts.isOptedOut(tenantId, 'sms', '+33612345678')).toBe(false);
      const cancel = await sending.inbound(tenantId, { from: '+33612345678', to: '36173', text: 'annuler svp', at: new Date() });
      expect(cancel.optOutKeyword).toBe('ANNULER');
      expect(await contacts.optOuts.isOptedOut(tenantId, 'sms', '+33612345678')).toBe(true);
    });
  });

  describe('throughput', () => {
    it('staggers a batch evenly over the window', async () => {
      now = () => new Date('2027-03-09T09:00:00Z');
      const { messages } = await sending.send(tenantId, {
        channel: 'sms',
        batch: true,
        stagger: { overMinutes: 60 },
        items: ['+33612345670', '+33612345671', '+33612345672', '+33612345673'].map((to) => ({ category: 'transactional' as const, to, text: 'Rappel RDV' })),
      });
      expect(messages.map((message) => [message.status, message.scheduleReason, message.scheduledFor?.toISOString()])).toEqual([
        ['accepted', null, '2027-03-09T09:00:00.000Z'],
        ['scheduled', 'stagger', '2027-03-09T09:15:00.000Z'],
        ['scheduled', 'stagger', '2027-03-09T09:30:00.000Z'],
        ['scheduled', 'stagger', '2027-03-09T09:45:00.000Z'],
      ]);
    });

    it('respects the provider rate limit: sends are rescheduled to the token bucket\'s slots', async () => {
      runningFrom('2027-03-09T09:00:00Z');
      await sending.registry.put(tenantId, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 10 }, rateLimit: { perSecond: 0.5, unit: 'messages', burst: 1 } });
      const { messages } = await sending.send(tenantId, {
        channel: 'sms',
        batch: true,
        items: ['+33612345670', '+33612345671', '+33612345672'].map((to) => ({ category: 'transactional' as const, to, text: 'Rappel' })),
      });
      const slots = await waitFor(async () => {
        const rows = await store.query<{ rate_slot_at: Date | null; status: string }>('SELECT rate_slot_at, status FROM messages WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, messages.map((message) => message.id)]);
        const taken = rows.filter((row) => row.rate_slot_at !== null).map((row) => row.rate_slot_at!.getTime()).sort();
        return taken.length === 2 && taken;
      }, 'two sends held by the rate limit');
      expect(slots[1]! - slots[0]!).toBe(2_000);
      // The third unit of 3 at 0.5/s leaves 4 s after the first: at most one message is out now.
      const sentNow = (await sandbox()).records.filter((record) => messages.some((message) => message.id === record.message.messageId));
      expect(sentNow).toHaveLength(1);
    });
  });

  it('refuses bad input with field paths and stores nothing', async () => {
    const error = await sending
      .send(tenantId, {
        channel: 'sms',
        batch: true,
        items: [
          { category: 'transactional', to: '+33612345678', text: 'OK' },
          { category: 'transactional', to: '06 12', text: 'OK' },
          { category: 'transactional', contactId: 'con_nope', text: 'OK' },
          { category: 'transactional', to: '+33612345678', text: 'Bonjour {{ contact.fistName }}' },
          { category: 'transactional', to: '+33612345678', text: 'Commande {{ event.data.orderId }}' },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SendInputError);
    expect((error as SendInputError).issues.map((issue) => issue.path)).toEqual(['messages[1].to', 'messages[2].contactId', 'messages[3].text', 'messages[4].text']);
    expect((error as SendInputError).issues[3]!.message).toMatch(/this message has no event/);
    const [count] = await store.query<{ count: number }>('SELECT count(*)::int AS count FROM messages WHERE tenant_id = $1', [tenantId]);
    expect(count!.count).toBe(0);
  });

  it('sends a marketing email with one-click unsubscribe headers through the sandbox', async () => {
    const contact = (await contacts.contacts.upsertContact(tenantId, { email: 'camille@example.fr', firstName: 'Camille', consent: { email: { status: 'granted' } } }, 'api')).contact;
    const message = await sending.sendEmail(tenantId, { category: 'marketing', contactId: contact.id, subject: 'Pour {{ contact.firstName }}', text: 'Nouveautés', from: { email: 'news@shop.fr' } });
    await until(message.id, 'delivered');
    const provider = (await sending.registry.resolve(tenantId, 'email')).provider as unknown as { records: { message: { headers: Record<string, string>; subject: string } }[] };
    const sent = provider.records.find((record) => (record.message as unknown as { messageId: string }).messageId === message.id)!;
    expect(sent.message.subject).toBe('Pour Camille');
    expect(sent.message.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(sent.message.headers['List-Unsubscribe']).toMatch(/^<https:\/\/hub\.example\/unsubscribe\/[A-Za-z0-9_-]{40,}>$/);
  });
});
