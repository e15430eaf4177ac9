/**
 * The message as the sending core stores and answers it: its lifecycle is a union of states, never a
 * free string. Transitions are in `lifecycle.ts`.
 *
 *   accepted ─┬─▶ submitted ─┬─▶ delivered
 *             │              ├─▶ undelivered | expired | rejected   (receipts; expired also when none came in time)
 *   scheduled ┘              └─▶ failed (retries exhausted)
 *   (quiet hours, staggering,     rejected (provider refused at submit)
 *    sendAt, rate limit, retry)   blocked (opted_out | no_consent | invalid_number | invalid_email)
 */
import type { EmailAttachment } from './providers/provider.ts';
import { z } from 'zod';
import { MessageCategory, MessageChannel } from './compliance/index.ts';

export { MessageCategory, MessageChannel };

export const MessageStatus = z.enum(['accepted', 'scheduled', 'submitted', 'delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** States a message leaves only by being submitted (or blocked/failed on the way). */
export const PENDING_STATUSES = ['accepted', 'scheduled'] as const satisfies readonly MessageStatus[];

/** End states: a later receipt is recorded but does not change them. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked']);

export function isPending(status: MessageStatus): status is (typeof PENDING_STATUSES)[number] {
  return status === 'accepted' || status === 'scheduled';
}

/**
 * Why a message was not sent at all:
 * - opted_out: the address is on the tenant's opt-out list (marketing only);
 * - no_consent: marketing without granted consent on the channel (L34-5 CPCE);
 * - invalid_number: the contact has no phone, or a number that cannot receive SMS (a landline);
 * - invalid_email: the contact has no email address.
 */
export const BlockReason = z.enum(['opted_out', 'no_consent', 'invalid_number', 'invalid_email']);
export type BlockReason = z.infer<typeof BlockReason>;

/** Why a message waits: the tenant's quiet hours, a batch's staggering, the caller's sendAt, the provider's rate limit, or a retry. */
export const ScheduleReason = z.enum(['quiet_hours', 'stagger', 'send_at', 'rate_limit', 'retry']);
export type ScheduleReason = z.infer<typeof ScheduleReason>;

export const SmsEncoding = z.enum(['GSM-7', 'UCS-2']);
export type SmsEncoding = z.infer<typeof SmsEncoding>;

export interface EmailContent {
  subject: string;
  text: string;
  html: string | null;
  replyTo: string | null;
  fromName: string | null;
  headers: Record<string, string>;
  /** Absent on messages stored before attachments existed. */
  attachments?: EmailAttachment[];
}

export interface Message {
  id: string;
  seq: number;
  tenantId: string;
  channel: MessageChannel;
  category: MessageCategory;
  status: MessageStatus;
  blockReason: BlockReason | null;
  contactId: string | null;
  /** E.164 phone or lower-cased email. */
  to: string;
  /** SMS sender id ('' = the provider's default) or email address. */
  from: string;
  /** SMS text or email plain text, as sent (rendered, with the opt-out mention). */
  text: string;
  email: EmailContent | null;
  encoding: SmsEncoding | null;
  segments: number | null;
  /** When the message is due to leave (null: as soon as possible). */
  scheduledFor: Date | null;
  scheduleReason: ScheduleReason | null;
  providerKind: string | null;
  providerMessageIds: string[];
  /** Calls to the provider so far. */
  attempts: number;
  error: string | null;
  idempotencyKey: string | null;
  batchId: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
}

/** One row of a message's status history. */
export interface StatusChange {
  status: MessageStatus;
  at: Date;
  reason: string | null;
}
