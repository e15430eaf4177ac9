/**
 * The sending core as the rest of the hub uses it: `send` for the automation engine and connectors,
 * the provider registry for the SMPP and SMTP parts, the routes for the gateway, and the workers.
 *
 *   const sending = createSendingModule({ db: store, queue, publisher: bus, vault, log, publicUrl, network: { allowPrivateTargets } });
 *   sending.registry.register(smppProviderFactory);   // SMPP / SMTP parts, at composition
 *   await sending.sendSms(tenantId, { contactId, category: 'transactional', text: '…', eventId }, { idempotencyKey });
 */
import type { Logger } from 'pino';
import { createContactsModule, type ContactsModule } from '../contacts/contacts-module.ts';
import type { EventPublisher } from '../contacts/contacts.ts';
import type { RouteModule } from '../gateway/app.ts';
import type { HostCheckOptions } from '../net/outbound-guard.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Db, Store } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import { acceptMessages, type AcceptOptions, type AcceptResult } from './accept.ts';
import { SendingBatches } from './batches.ts';
import { ReceiptBatches } from './receipt-batches.ts';
import { DEFAULT_RETRY_POLICY, SUBMIT_CONCURRENCY, SUBMIT_JOB, SWEEP_JOB, type RetryPolicy, type SendingDeps, type SubmitJob } from './deps.ts';
import { handleInbound, type InboundResult } from './inbound.ts';
import type { MessageChannel } from './message.ts';
import { insertReferences, messageIdByReference, type MessageReference } from './message-references.ts';
import { linkRouteModule } from './links/link-routes.ts';
import { conversationWith, originResults, type ConversationEntry, type OriginResults } from './message-reads.ts';
import { getMessage, getMessages, type StoredMessage } from './message-store.ts';
import { previewSms, type Preview, type PreviewBody } from './preview.ts';
import { ProviderRegistry, type ProviderContext } from './provider-registry.ts';
import type { InboundSms, ProviderReceipt, ProviderSink } from './providers/provider.ts';
import { sandboxProviderFactory } from './providers/sandbox/sandbox-provider.ts';
import { handleReceipt } from './receipts.ts';
import { EmailItemSchema, SendInputError, SmsItemSchema, formatPath, type EmailItem, type SendRequest, type SmsItem } from './requests.ts';
import { sendingRoutes } from './routes/index.ts';
import { unsubscribeRouteModule, type UnsubscribeTokens } from './unsubscribe/index.ts';
import { SendingSettingsStore } from './settings.ts';
import { submitMessage } from './submit.ts';
import { sweep } from './sweep.ts';
import { SqlRateLimiter } from './throughput.ts';

export interface SendingModuleOptions {
  db: Db;
  queue: JobQueue;
  /** The bus (message.* and sms.received events; the contacts part publishes contact.unsubscribed through it). */
  publisher: EventPublisher;
  vault: Vault;
  log: Logger;
  /** Base URL of the hub as recipients reach it (one-click unsubscribe links). */
  publicUrl: string;
  /** Providers connect to tenant-given hosts (SMSC, SMTP relay) through the outbound guard with this policy. */
  network: HostCheckOptions;
  /** `createUnsubscribeTokens(hub secret key)`: signs and verifies one-click unsubscribe links. */
  unsubscribeTokens: UnsubscribeTokens;
  /** The contacts part; built on the same store and bus when not given. */
  contacts?: Pick<ContactsModule, 'contacts' | 'optOuts'>;
  clock?: () => Date;
  retry?: Partial<RetryPolicy>;
}

export interface SendingModule {
  readonly registry: ProviderRegistry;
  readonly settings: SendingSettingsStore;
  /** Route modules for the gateway: /v1 (messages, settings, providers, sandbox) and the public unsubscribe page. */
  readonly routes: RouteModule[];
  /**
   * Accepts one SMS (validated like the API body). Idempotent with `idempotencyKey`: automation
   * should pass one per (run, step, rotation), connectors one per external event and action.
   * @throws SendInputError (bad input: nothing stored or queued), IdempotencyKeyReusedError (key reused with another request).
   */
  sendSms(tenantId: string, message: SmsItem, options?: AcceptOptions): Promise<StoredMessage>;
  sendEmail(tenantId: string, message: EmailItem, options?: AcceptOptions): Promise<StoredMessage>;
  /** Any request, single or batch (`parseSendBody` reads API bodies into one). */
  send(tenantId: string, request: SendRequest, options?: AcceptOptions): Promise<AcceptResult>;
  preview(tenantId: string, body: PreviewBody): Promise<Preview>;
  getMessage(tenantId: string, id: string): Promise<StoredMessage | undefined>;
  /** In the order of `ids`; unknown ids are left out. */
  getMessages(tenantId: string, ids: readonly string[]): Promise<StoredMessage[]>;
  /** Counts of the messages sent with `origin` (AcceptOptions.origin): statuses, block reasons, clicks, STOP replies. */
  originResults(tenantId: string, origin: string): Promise<OriginResults>;
  /** The SMS sent to and received from these numbers (E.164), newest first, at most `limit`, with the receipts of each sent one. */
  conversation(tenantId: string, phones: readonly string[], limit: number): Promise<ConversationEntry[]>;
  /** The message another system knows by `reference` (an SMPP message_id), if any. */
  findByReference(tenantId: string, reference: MessageReference): Promise<StoredMessage | undefined>;
  /** Links more references to existing messages (a resent SMPP part joining its message); idempotent. */
  addReferences(tenantId: string, links: readonly (MessageReference & { messageId: string })[]): Promise<void>;
  /** The sink a provider of this channel reports to (tests and the contract suite). */
  sinkFor(channel: MessageChannel): ProviderSink;
  /** Plays an incoming SMS as if a provider delivered it. */
  inbound(tenantId: string, sms: InboundSms): Promise<InboundResult>;
  /** Runs the sweeper once (also scheduled every 10 s by `startWorkers`). */
  sweep(): ReturnType<typeof sweep>;
  /** Replaces the business clock (tests: quiet hours on a chosen Sunday). */
  useClock(clock: () => Date): void;
  startWorkers(options?: { submitConcurrency?: number }): Promise<void>;
  /** Closes provider instances; call after the queue stopped running jobs, before the store closes. */
  close(): Promise<void>;
}

function validated<Item>(schema: typeof SmsItemSchema | typeof EmailItemSchema, message: unknown): Item {
  const parsed = schema.safeParse(message);
  if (!parsed.success) throw new SendInputError(parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })));
  return parsed.data as Item;
}

export function createSendingModule(options: SendingModuleOptions): SendingModule {
  const contacts = options.contacts ?? createContactsModule(options.db, options.publisher, { log: options.log });
  let clock = options.clock ?? (() => new Date());
  const log = options.log;
  // The registry's sinks need the deps, and the deps the registry: the sinks read `deps` when called.
  const holder: { deps?: SendingDeps } = {};
  const sinkFor = (channel: MessageChannel): ProviderSink => ({
    receipt: (tenantId: string, receipt: ProviderReceipt) => handleReceipt(holder.deps!, tenantId, channel, receipt),
    inbound: async (tenantId: string, sms: InboundSms) => {
      await handleInbound(holder.deps!, tenantId, sms);
    },
  });
  const registry = new ProviderRegistry({
    db: options.db,
    vault: options.vault,
    log: log.child({ part: 'sending-providers' }),
    network: options.network,
    sinkFor: (context: ProviderContext) => sinkFor(context.channel),
  });
  registry.register(sandboxProviderFactory);
  const settings = new SendingSettingsStore(options.db);
  // PGlite runs one statement at a time; on PostgreSQL a few batches of a kind overlap their round trips.
  const batchConcurrency = (options.db as Partial<Store>).kind === 'postgres' ? 4 : 1;
  const deps: SendingDeps = {
    db: options.db,
    queue: options.queue,
    publisher: options.publisher,
    contacts: contacts.contacts,
    optOuts: contacts.optOuts,
    settings,
    registry,
    rateLimiter: new SqlRateLimiter(options.db),
    batches: new SendingBatches(options.db, { concurrency: batchConcurrency }),
    receipts: new ReceiptBatches(options.db, { concurrency: batchConcurrency }),
    clock: () => clock(),
    log,
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    unsubscribeTokens: options.unsubscribeTokens,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
  };
  holder.deps = deps;

  const module: SendingModule = {
    registry,
    settings,
    routes: [],
    async sendSms(tenantId, message, acceptOptions) {
      const result = await acceptMessages(deps, tenantId, { channel: 'sms', items: [validated<SmsItem>(SmsItemSchema, message)], batch: false }, acceptOptions);
      return result.messages[0]!;
    },
    async sendEmail(tenantId, message, acceptOptions) {
      const result = await acceptMessages(deps, tenantId, { channel: 'email', items: [validated<EmailItem>(EmailItemSchema, message)], batch: false }, acceptOptions);
      return result.messages[0]!;
    },
    send: (tenantId, request, acceptOptions) => acceptMessages(deps, tenantId, request, acceptOptions),
    preview: (tenantId, body) => previewSms(deps, tenantId, body),
    getMessage: (tenantId, id) => getMessage(options.db, tenantId, id),
    getMessages: (tenantId, ids) => getMessages(options.db, tenantId, ids),
    originResults: (tenantId, origin) => originResults(options.db, tenantId, origin),
    conversation: (tenantId, phones, limit) => conversationWith(options.db, tenantId, phones, limit),
    async findByReference(tenantId, reference) {
      const id = await messageIdByReference(options.db, tenantId, reference);
      return id === undefined ? undefined : getMessage(options.db, tenantId, id);
    },
    addReferences: (tenantId, links) => insertReferences(options.db, tenantId, links),
    sinkFor,
    inbound: (tenantId, sms) => handleInbound(deps, tenantId, sms),
    sweep: () => sweep(deps),
    useClock(next) {
      clock = next;
    },
    async startWorkers(workerOptions = {}) {
      options.queue.process<SubmitJob>(SUBMIT_JOB, (job) => submitMessage(deps, job.data), { concurrency: workerOptions.submitConcurrency ?? SUBMIT_CONCURRENCY });
      options.queue.process(SWEEP_JOB, async () => void (await sweep(deps)), { concurrency: 1 });
      await options.queue.schedule('sending.sweep', SWEEP_JOB, 10_000);
    },
    close: () => registry.close(),
  };
  (module.routes as RouteModule[]).push(
    ...sendingRoutes(deps, module),
    unsubscribeRouteModule({ tokens: options.unsubscribeTokens, optOuts: contacts.optOuts }),
    linkRouteModule({ db: options.db, publisher: options.publisher, log: log.child({ part: 'links' }), clock: () => clock() }),
  );
  return module;
}
