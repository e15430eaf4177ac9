/**
 * The contract between the sending pipeline and whatever carries a message out: the sandbox, an
 * upstream SMSC over SMPP, an SMTP server. Every provider passes the same contract suite
 * (`test/contracts/provider.contract.ts`).
 *
 * The pipeline owns message state; a provider only submits, and reports what comes back through
 * its `ProviderSink`. A provider must not acknowledge a receipt or an inbound message to its peer
 * (e.g. `deliver_sm_resp`) before the sink's promise resolved: the sink writes durably, so nothing
 * acknowledged is ever lost.
 */

export type Channel = 'sms' | 'email';

/** A file sent with an email (today: an appointment's .ics). Text content, kept with the message. */
export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface OutboundSms {
  /** The hub's message id: 10 alphanumerics. */
  messageId: string;
  tenantId: string;
  /** Sender id: a short code, a long number (E.164) or an alphanumeric sender (≤ 11 chars). */
  from: string;
  /** E.164. */
  to: string;
  text: string;
  /** Decided by the pipeline with `analyzeSms`; providers must send exactly this coding. */
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  requestReceipt: boolean;
  validUntil?: Date;
}

export interface OutboundEmail {
  messageId: string;
  tenantId: string;
  from: { email: string; name?: string };
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers the pipeline sets, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>;
  attachments?: EmailAttachment[];
}

export type SubmitResult =
  /** Accepted by the provider; `providerMessageIds` correlate receipts (one per SMS part, or one in all). */
  | { kind: 'submitted'; providerMessageIds: string[] }
  /** Refused for good (invalid number, rejected content): the message ends `rejected`. */
  | { kind: 'rejected'; reason: string; code?: string }
  /** Not now (throttled, queue full, disconnected, timeout): the pipeline retries, after `afterMs` when given. */
  | { kind: 'retry'; reason: string; afterMs?: number };

export type ReceiptStatus = 'delivered' | 'undelivered' | 'expired' | 'rejected' | 'deleted' | 'accepted' | 'enroute' | 'unknown';

export interface ProviderReceipt {
  providerMessageId: string;
  status: ReceiptStatus;
  at: Date;
  /** The provider's error code, e.g. SMPP `err:` or an SMTP reply code. */
  errorCode?: string;
  /** The receipt as received (SMPP receipt text, DSN), kept for support. */
  raw: string;
}

export interface InboundSms {
  from: string;
  to: string;
  text: string;
  at: Date;
  providerMessageId?: string;
}

export interface ProviderSink {
  receipt(tenantId: string, receipt: ProviderReceipt): Promise<void>;
  inbound(tenantId: string, sms: InboundSms): Promise<void>;
}

/** A message the hub submitted through a provider and still has no end state for. */
export interface AwaitingReceipt {
  messageId: string;
  tenantId: string;
  to: string;
  /** The SMS text (receipts quote its start), or the email's text. */
  text: string;
  providerMessageIds: string[];
  submittedAt: Date;
}

export interface SmsProvider {
  readonly channel: 'sms';
  readonly kind: string;
  submit(message: OutboundSms): Promise<SubmitResult>;
  /**
   * Optional: a provider that can know the outcome of a message it accepted without keeping it in
   * memory reports, through the sink, the receipts of these messages once they are due. The sending
   * sweeper calls it for messages `submitted` for a while, so a receipt is never lost with the
   * process that was to send it (the sandbox recomputes its outcome).
   */
  replayReceipts?(messages: AwaitingReceipt[]): Promise<void>;
  close(): Promise<void>;
}

export interface EmailProvider {
  readonly channel: 'email';
  readonly kind: string;
  submit(message: OutboundEmail): Promise<SubmitResult>;
  /** As for SMS. */
  replayReceipts?(messages: AwaitingReceipt[]): Promise<void>;
  close(): Promise<void>;
}

export type Provider = SmsProvider | EmailProvider;
