/**
 * A send action of a run → the sending core's request item. Pure, shared by the hub and the
 * simulator. The template's `event` is the run's trigger, given inline (the date trigger has no
 * stored event), so `{{ event.data.… }}` reads the same values in both.
 */
import type { EmailItem, SmsItem } from '../sending/requests.ts';
import type { Run } from './run.ts';
import type { Action } from './scenario.ts';

export type SendAction = Extract<Action, { kind: 'sendSms' | 'sendEmail' }>;

export function messageItem(action: SendAction, run: Pick<Run, 'contactId' | 'trigger'>): SmsItem | EmailItem {
  const event = run.trigger ? { event: { type: run.trigger.type, source: run.trigger.source.slice(0, 40), data: run.trigger.data } } : {};
  if (action.kind === 'sendSms') {
    // With `to`, the contact still fills the template; the address given overrides theirs (sending's rule for contactId + to).
    return { contactId: run.contactId, ...(action.to === undefined ? {} : { to: action.to }), category: action.category, text: action.text, ...(action.from === undefined ? {} : { from: action.from }), ...event };
  }
  return {
    contactId: run.contactId,
    category: action.category,
    subject: action.subject,
    text: action.text,
    ...(action.html === undefined ? {} : { html: action.html }),
    ...(action.from === undefined ? {} : { from: action.from }),
    ...event,
  };
}
