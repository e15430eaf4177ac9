/** The message as the API shows it (answers of /v1/messages; automation and connector tests read it too). */
import { z } from 'zod';
import { BlockReason, MessageChannel, MessageStatus, ScheduleReason } from '../message.ts';
import type { StoredMessage } from '../message-store.ts';

export const iso = (date: Date | null) => date?.toISOString() ?? null;

export const MessageSchema = z
  .object({
    id: z.string().describe('10 alphanumerics.'),
    channel: MessageChannel,
    category: z.enum(['marketing', 'transactional']),
    status: MessageStatus,
    blockReason: BlockReason.nullable(),
    contactId: z.string().nullable(),
    to: z.string(),
    from: z.string().describe('SMS sender id ("" = the provider\'s default) or email address.'),
    text: z.string().describe('As sent: rendered, with the opt-out mention or unsubscribe link.'),
    email: z
      .object({
        subject: z.string(),
        html: z.string().nullable(),
        replyTo: z.string().nullable(),
        fromName: z.string().nullable(),
        headers: z.record(z.string(), z.string()),
        attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), content: z.string() })).describe('Files sent with it, e.g. the appointment\'s rendez-vous.ics.'),
      })
      .nullable(),
    encoding: z.enum(['GSM-7', 'UCS-2']).nullable(),
    segments: z.number().int().nullable(),
    scheduledFor: z.string().nullable().describe('When a pending message is due to leave.'),
    scheduleReason: ScheduleReason.nullable(),
    providerKind: z.string().nullable(),
    providerMessageIds: z.array(z.string()),
    attempts: z.number().int(),
    error: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    batchId: z.string().nullable(),
    createdAt: z.string(),
    submittedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Message' });
type MessageView = z.infer<typeof MessageSchema>;

export function toMessageView(message: StoredMessage): MessageView {
  return {
    id: message.id,
    channel: message.channel,
    category: message.category,
    status: message.status,
    blockReason: message.blockReason,
    contactId: message.contactId,
    to: message.to,
    from: message.from,
    text: message.text,
    email: message.email && {
      subject: message.email.subject,
      html: message.email.html,
      replyTo: message.email.replyTo,
      fromName: message.email.fromName,
      headers: message.email.headers,
      attachments: message.email.attachments ?? [],
    },
    encoding: message.encoding,
    segments: message.segments,
    scheduledFor: iso(message.scheduledFor),
    scheduleReason: message.scheduleReason,
    providerKind: message.providerKind,
    providerMessageIds: message.providerMessageIds,
    attempts: message.attempts,
    error: message.error,
    idempotencyKey: message.idempotencyKey,
    batchId: message.batchId,
    createdAt: message.createdAt.toISOString(),
    submittedAt: iso(message.submittedAt),
    completedAt: iso(message.completedAt),
    updatedAt: message.updatedAt.toISOString(),
  };
}
