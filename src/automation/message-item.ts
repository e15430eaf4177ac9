/**
 * A send action of a run → the sending core's request item. Pure, shared by the hub and the
 * simulator. The template's `event` is the run's trigger, given inline (the date trigger has no
 * stored event), so `{{ event.data.… }}` reads the same values in both.
 *
 * Two kinds of SMS are finished here before the sending core sees them:
 * - an alert (`to`: the merchant's number) reads the run's contact but is not the contact's message:
 *   its text is rendered here with the contact, and it goes out addressed to `to` alone, so the
 *   sending core files it under that number (the merchant's contact, if any), never in the
 *   customer's history, consent or statistics;
 * - a survey question on the page gets its signed link in place of `{{ survey.url }}`.
 */
import type { EmailItem, SmsItem } from '../sending/requests.ts';
import { render, TemplateError } from '../sending/template.ts';
import { actionTemplateContext } from './action-input.ts';
import { StepFailure } from './interpreter.ts';
import type { ContactSnapshot } from './reactions.ts';
import type { Run } from './run.ts';
import type { Action } from './scenario.ts';

export type SendAction = Extract<Action, { kind: 'sendSms' | 'sendEmail' }>;

const SURVEY_URL = /\{\{\s*survey\.url\s*\}\}/g;

/** What the hub adds to a send: the alert's contact (to render it), the survey question's link. */
export interface SendExtras {
  contact?: ContactSnapshot | undefined;
  surveyUrl?: string | undefined;
}

/** An alert's text, rendered with the run's contact and trigger; a value holding "{{" cannot open a tag in the sending core. */
export function renderAlertText(text: string, contact: ContactSnapshot | undefined, run: Pick<Run, 'trigger'>): string {
  try {
    return render(text, { ...actionTemplateContext(contact, run.trigger), message: { id: null } }).replaceAll('{{', '{ {');
  } catch (error) {
    if (error instanceof TemplateError) throw new StepFailure(`the alert's text: ${error.message}`);
    throw error;
  }
}

export function messageItem(action: SendAction, run: Pick<Run, 'contactId' | 'trigger'>, extras: SendExtras = {}): SmsItem | EmailItem {
  const event = run.trigger ? { event: { type: run.trigger.type, source: run.trigger.source.slice(0, 40), data: run.trigger.data } } : {};
  if (action.kind === 'sendSms') {
    const from = action.from === undefined ? {} : { from: action.from };
    if (action.to !== undefined) return { to: action.to, category: action.category, text: renderAlertText(action.text, extras.contact, run), ...from, ...event };
    const text = extras.surveyUrl === undefined ? action.text : action.text.replace(SURVEY_URL, extras.surveyUrl);
    return { contactId: run.contactId, category: action.category, text, ...from, ...event };
  }
  if (action.to !== undefined) {
    // An alert by email, like the SMS one: rendered here with the run's contact, addressed to `to` alone.
    return {
      to: action.to,
      category: action.category,
      subject: renderAlertText(action.subject, extras.contact, run),
      text: renderAlertText(action.text, extras.contact, run),
      ...(action.from === undefined ? {} : { from: action.from }),
      ...event,
    };
  }
  return {
    contactId: run.contactId,
    category: action.category,
    subject: action.subject,
    text: action.text,
    ...(action.html === undefined ? {} : { html: action.html }),
    ...(action.from === undefined ? {} : { from: action.from }),
    ...(action.calendarEntry === undefined ? {} : { calendarEntry: action.calendarEntry }),
    ...event,
  };
}
