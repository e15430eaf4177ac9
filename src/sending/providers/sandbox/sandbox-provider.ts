/**
 * The sandbox provider: the embedded default for SMS and email. It sends nothing. It records each
 * message, answers like a real provider (one id per SMS part), and after `receiptDelayMs` produces
 * receipts in the real formats (SMPP 3.4 Appendix B text for SMS, a DSN summary for email), with
 * outcomes chosen by `sandbox-outcomes.ts`. `simulateInbound` plays a reply (MO) so STOP handling
 * can be rehearsed.
 *
 * Like a real SMSC it keeps a receipt until the sink accepts it: a sink failure is retried.
 * A receipt still waiting when the process stops (or is killed) is not lost: the outcome is a pure
 * function of the settings, the recipient and the message id (`outcomeRandom`), so any process can
 * produce it again, and the sending sweeper asks for it (`replayReceipts`) once it is overdue.
 */
import { createHash } from 'node:crypto';
import { randomBase62 } from '../../../ids.ts';
import { formatReceiptText } from '../../../smpp-protocol/index.ts';
import { defineProviderFactory } from '../../provider-registry.ts';
import type { AwaitingReceipt, EmailProvider, InboundSms, OutboundEmail, OutboundSms, ProviderReceipt, ProviderSink, ReceiptStatus, SmsProvider, SubmitResult } from '../provider.ts';
import { SandboxSettingsSchema, sandboxOutcome, type SandboxOutcome, type SandboxSettings } from './sandbox-outcomes.ts';

export interface SandboxRecord {
  channel: 'sms' | 'email';
  message: OutboundSms | OutboundEmail;
  outcome: SandboxOutcome;
  providerMessageIds: string[];
  at: Date;
}

/**
 * The weighted outcome's "random" number for a message: derived from its id, so that every process
 * decides the same outcome for it (the receipt can be replayed by another process after a crash).
 */
export function outcomeRandom(messageId: string): number {
  return createHash('sha256').update(messageId).digest().readUInt32BE(0) / 2 ** 32;
}

/** A receipt overdue by this much (past `receiptDelayMs`) is replayed when the sweeper asks. */
const REPLAY_AFTER_MS = 5_000;

/** How many records each instance keeps for inspection. */
const MAX_RECORDS = 1_000;
const MAX_RECEIPT_TRIES = 20;

function partStatus(outcome: SandboxOutcome, part: number, parts: number): ReceiptStatus {
  switch (outcome) {
    case 'undelivered':
      return 'undelivered';
    case 'expired':
      return 'expired';
    case 'partial':
      return part === 0 && parts > 1 ? 'delivered' : 'undelivered';
    default:
      return 'delivered';
  }
}

const SMPP_STAT: Record<ReceiptStatus, string> = {
  delivered: 'DELIVRD',
  undelivered: 'UNDELIV',
  expired: 'EXPIRED',
  rejected: 'REJECTD',
  deleted: 'DELETED',
  accepted: 'ACCEPTD',
  enroute: 'ENROUTE',
  unknown: 'UNKNOWN',
};

/** Error codes in the style of SMSC receipts: 001 absent subscriber, 027 validity period expired. */
const SMPP_ERR: Partial<Record<ReceiptStatus, string>> = { undelivered: '001', expired: '027' };

class SandboxCore {
  readonly records: SandboxRecord[] = [];
  readonly #settings: SandboxSettings;
  readonly #sink: ProviderSink;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #throttled = new Set<string>();
  readonly #random: (messageId: string) => number;
  #closed = false;

  constructor(settings: SandboxSettings, sink: ProviderSink, random: (messageId: string) => number) {
    this.#settings = settings;
    this.#sink = sink;
    this.#random = random;
  }

  submit(channel: 'sms' | 'email', message: OutboundSms | OutboundEmail, parts: number): SubmitResult {
    if (this.#closed) return { kind: 'retry', reason: 'sandbox provider closed' };
    const outcome = sandboxOutcome(this.#settings, message.to, this.#random(message.messageId));
    if (outcome === 'rejected') {
      return { kind: 'rejected', reason: channel === 'sms' ? 'Sandbox: invalid destination address (ESME_RINVDSTADR)' : 'Sandbox: 550 5.1.1 recipient rejected', code: channel === 'sms' ? '0x0000000B' : '550' };
    }
    if (outcome === 'throttled' && !this.#throttled.has(message.messageId)) {
      this.#throttled.add(message.messageId);
      return { kind: 'retry', reason: 'Sandbox: throttled (ESME_RTHROTTLED), try again', afterMs: 200 };
    }
    const providerMessageIds = Array.from({ length: parts }, () => `sbx${randomBase62(12)}`);
    const submittedAt = new Date();
    this.records.push({ channel, message, outcome, providerMessageIds, at: submittedAt });
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    if (outcome !== 'silent') {
      const text = 'text' in message ? message.text : '';
      providerMessageIds.forEach((providerMessageId, part) => {
        this.#later(this.#settings.receiptDelayMs, () => this.#sendReceipt(channel, { tenantId: message.tenantId, to: message.to, text }, outcome, providerMessageId, part, parts, submittedAt));
      });
    }
    return { kind: 'submitted', providerMessageIds };
  }

  /** The receipts of overdue messages, decided again from their ids (see `outcomeRandom`). */
  async replay(channel: 'sms' | 'email', messages: AwaitingReceipt[]): Promise<void> {
    const now = Date.now();
    for (const message of messages) {
      if (message.submittedAt.getTime() + this.#settings.receiptDelayMs + REPLAY_AFTER_MS > now) continue;
      const outcome = sandboxOutcome(this.#settings, message.to, this.#random(message.messageId));
      if (outcome === 'silent' || outcome === 'rejected') continue;
      const parts = message.providerMessageIds.length;
      for (const [part, providerMessageId] of message.providerMessageIds.entries()) {
        await this.#sendReceipt(channel, message, outcome, providerMessageId, part, parts, message.submittedAt);
      }
    }
  }

  #sendReceipt(
    channel: 'sms' | 'email',
    message: { tenantId: string; to: string; text: string },
    outcome: SandboxOutcome,
    providerMessageId: string,
    part: number,
    parts: number,
    submittedAt: Date,
  ): Promise<void> {
    const status = partStatus(outcome, part, parts);
    const done = new Date();
    const receipt: ProviderReceipt =
      channel === 'sms'
        ? {
            providerMessageId,
            status,
            at: done,
            errorCode: SMPP_ERR[status] ?? '000',
            raw: formatReceiptText({ id: providerMessageId, submitted: submittedAt, done, stat: SMPP_STAT[status], err: SMPP_ERR[status] ?? '000', text: message.text }),
          }
        : {
            providerMessageId,
            status,
            at: done,
            ...(status === 'delivered' ? {} : { errorCode: status === 'expired' ? '4.4.7' : '5.1.1' }),
            raw:
              status === 'delivered'
                ? `Final-Recipient: rfc822;${message.to}; Action: delivered; Status: 2.0.0`
                : `Final-Recipient: rfc822;${message.to}; Action: failed; Status: ${status === 'expired' ? '4.4.7' : '5.1.1'}; Diagnostic-Code: smtp; ${status === 'expired' ? '421 4.4.7 Message expired' : '550 5.1.1 User unknown'}`,
          };
    return this.#sink.receipt(message.tenantId, receipt);
  }

  inbound(tenantId: string, sms: InboundSms): Promise<void> {
    return this.#sink.inbound(tenantId, sms);
  }

  /** Runs `work` after `delayMs`, again on failure (the sink did not accept it), like an SMSC re-sending a receipt. */
  #later(delayMs: number, work: () => Promise<void>, tries = 1): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      work().catch(() => {
        if (tries < MAX_RECEIPT_TRIES) this.#later(Math.max(delayMs, 200), work, tries + 1);
      });
    }, delayMs);
    this.#timers.add(timer);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

export interface SandboxSmsProvider extends SmsProvider {
  readonly records: readonly SandboxRecord[];
  /** Plays an incoming SMS (a reply) through the sink, as the SMSC would deliver it. */
  simulateInbound(tenantId: string, sms: InboundSms): Promise<void>;
}

export interface SandboxEmailProvider extends EmailProvider {
  readonly records: readonly SandboxRecord[];
}

export function createSandboxSmsProvider(settings: SandboxSettings, sink: ProviderSink, random: (messageId: string) => number = outcomeRandom): SandboxSmsProvider {
  const core = new SandboxCore(settings, sink, random);
  return {
    channel: 'sms',
    kind: 'sandbox',
    records: core.records,
    async submit(message: OutboundSms) {
      return core.submit('sms', message, Math.max(1, message.segments));
    },
    replayReceipts: (messages) => core.replay('sms', messages),
    simulateInbound: (tenantId, sms) => core.inbound(tenantId, sms),
    async close() {
      core.close();
    },
  };
}

export function createSandboxEmailProvider(settings: SandboxSettings, sink: ProviderSink, random: (messageId: string) => number = outcomeRandom): SandboxEmailProvider {
  const core = new SandboxCore(settings, sink, random);
  return {
    channel: 'email',
    kind: 'sandbox',
    records: core.records,
    async submit(message: OutboundEmail) {
      return core.submit('email', message, 1);
    },
    replayReceipts: (messages) => core.replay('email', messages),
    async close() {
      core.close();
    },
  };
}

export function isSandboxSmsProvider(provider: SmsProvider | EmailProvider): provider is SandboxSmsProvider {
  return provider.kind === 'sandbox' && provider.channel === 'sms' && 'simulateInbound' in provider;
}

export const sandboxProviderFactory = defineProviderFactory({
  kind: 'sandbox',
  title: 'Sandbox: records messages and produces realistic receipts, sends nothing',
  channels: ['sms', 'email'],
  settings: SandboxSettingsSchema,
  replaysReceipts: true,
  create({ settings, context }, sink) {
    return context.channel === 'sms' ? createSandboxSmsProvider(settings, sink) : createSandboxEmailProvider(settings, sink);
  },
});
