import { describe, expect, it } from 'vitest';
import { eventTypesOf, type ZapierTrigger } from './triggers.ts';

describe('eventTypesOf', () => {
  it.each<[ZapierTrigger, string | undefined, string[]]>([
    ['sms-reply', undefined, ['sms.received']],
    ['message-status', undefined, ['message.delivered', 'message.failed']],
    ['new-contact', 'order.created', ['contact.created']],
    ['new-unsubscribe', undefined, ['contact.unsubscribed']],
    ['new-event', 'order.created', ['order.created']],
    ['new-event', undefined, []],
  ])('%s (%s) → %j', (trigger, eventType, expected) => {
    expect(eventTypesOf(trigger, eventType)).toEqual(expected);
  });
});
