/**
 * Status changes → bus events, as an outbox: the event for a status is published after the status
 * is stored, `notified_status` records it, and the sweeper publishes what a crash left out. The bus
 * deduplicates on `message.<type>:<id>`, so publishing twice is harmless.
 */
import type { SendingDeps } from './deps.ts';
import type { MessageStatus } from './message.ts';
import type { StoredMessage } from './message-store.ts';

export function eventFor(message: Pick<StoredMessage, 'id' | 'channel' | 'to' | 'segments' | 'blockReason' | 'error' | 'contactId'>, status: MessageStatus, at: Date) {
  const subject = { ...(message.contactId ? { contactId: message.contactId } : {}), ...(message.channel === 'sms' ? (message.to ? { phone: message.to } : {}) : message.to ? { email: message.to } : {}) };
  const base = { messageId: message.id, channel: message.channel, to: message.to };
  switch (status) {
    case 'accepted':
    case 'scheduled':
      return undefined;
    case 'submitted':
      return { type: 'message.submitted', subject, data: { ...base, ...(message.segments === null ? {} : { segments: message.segments }) } };
    case 'delivered':
      return { type: 'message.delivered', subject, data: { ...base, deliveredAt: at.toISOString() } };
    default:
      return { type: 'message.failed', subject, data: { ...base, status, reason: message.blockReason ?? message.error ?? status } };
  }
}

/** Publishes the event of `status` for the message and records it. Never throws: the sweeper retries. */
export async function notify(deps: Pick<SendingDeps, 'batches' | 'publisher' | 'log'>, tenantId: string, message: Parameters<typeof eventFor>[0], status: MessageStatus, at: Date): Promise<void> {
  const event = eventFor(message, status, at);
  if (!event) return;
  try {
    await deps.publisher.publish({ tenantId, source: 'hub', type: event.type, dedupeKey: `${event.type}:${message.id}`, occurredAt: at, subject: event.subject, data: event.data });
    await deps.batches.markNotified(tenantId, message.id, status);
  } catch (error) {
    deps.log.warn({ err: error, tenantId, messageId: message.id, status }, 'sending: event not published yet; the sweeper will retry');
  }
}
