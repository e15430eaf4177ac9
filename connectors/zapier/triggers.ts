import { z } from 'zod';

/** The Zapier app's instant triggers, by slug (the path of GET /v1/zapier/samples/{trigger}). */
export const ZapierTriggerSchema = z.enum(['sms-reply', 'message-status', 'new-contact', 'new-unsubscribe', 'new-event']);
export type ZapierTrigger = z.infer<typeof ZapierTriggerSchema>;

/**
 * The event types a trigger listens to. `new-event` listens to the one type chosen in its dropdown,
 * given as `eventType`; the other triggers have fixed types and ignore it.
 */
export function eventTypesOf(trigger: ZapierTrigger, eventType?: string): string[] {
  switch (trigger) {
    case 'sms-reply':
      return ['sms.received'];
    case 'message-status':
      return ['message.delivered', 'message.failed'];
    case 'new-contact':
      return ['contact.created'];
    case 'new-unsubscribe':
      return ['contact.unsubscribed'];
    case 'new-event':
      return eventType === undefined ? [] : [eventType];
  }
}
