/**
 * The automatic SMS log (settings.logSms, on by default): every SMS the hub sends to a Salesforce contact or lead, and
 * every reply from one, is a completed Task (sms-log.ts), once per message; the receipt updates it.
 *
 *   message.submitted                    the SMS left the hub: "SMS envoyé", status line "envoyé" (or the status the
 *                                        message has reached by then, when the log comes late)
 *   sms.received                         a reply: "SMS reçu"
 *   message.delivered / message.failed   the Task logged for that message gets the status line (and
 *                                        settings.smsStatusField): délivré, or non délivré with the reason
 *
 * On whom (WhoId), the first found: the contact or lead of the Salesforce event that made a scenario send the SMS
 * (people.ts: a task's WhoId, a CRM record); the hub contact's Salesforce id (a contact the hub has from Salesforce: an
 * order's bill-to, an invoice's contact, a CRM record); else a SOSL search of the number. No record: no Task. WhatId:
 * the event's business record (the task's WhatId, the Order, the invoice). A reply takes its author's record, else the
 * records of the SMS it answers.
 *
 * Memory `sms:<message id>` = { taskId (null: nobody matched), whoId, status }: a delivery run twice logs once, and
 * the status update finds the Task. A receipt handled before the log (both events are delivered concurrently) is
 * tried again a few times; when the log comes later still, it writes the status reached by then.
 */
import type { JsonValue } from '../../src/queue/job-queue.ts';
import type { TriggerEvent } from '../../src/bus/trigger-event.ts';
import type { HubMessage, SubscriptionContext, SubscriptionOutcome } from '../../src/connectors/connector.ts';
import { salesforceApi } from './client.ts';
import { isPersonId } from './ids.ts';
import type { Credentials, Settings } from './manifest.ts';
import { causeRecords, searchPeople, type CauseRecords } from './people.ts';
import { logSmsTask, taskDescription, type Direction } from './sms-log.ts';

type Context = SubscriptionContext<Settings, Credentials>;

export const ACTIVITY_EVENTS = ['message.submitted', 'sms.received', 'message.delivered', 'message.failed'] as const;

/** What is remembered of a logged message. */
interface Logged {
  taskId: string | null;
  whoId?: string;
  status?: string;
}

/** A receipt waits this many tries (10 s, 20 s, 40 s of the bus's backoff) for the SMS's Task; a later log writes the status itself. */
const RECEIPT_WAITS = 3;

const memoryKey = (messageId: string) => `sms:${messageId}`;

/** The Task's status, as the status line and settings.smsStatusField say it. */
export function statusOf(message: Pick<HubMessage, 'status' | 'error'>): { label: string; final: boolean } {
  if (message.status === 'delivered') return { label: 'délivré', final: true };
  if (['undelivered', 'expired', 'rejected', 'failed', 'blocked'].includes(message.status)) {
    return { label: `non délivré (${message.status}${message.error ? ` : ${message.error.slice(0, 200)}` : ''})`, final: true };
  }
  return { label: 'envoyé', final: false };
}

const utc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const statusLine = (label: string, at: Date) => `Statut : ${label} — ${utc(at)}`;

/** The contact or lead a hub contact came from (its external id `salesforce`), when it is one. */
async function contactRecord(ctx: Context, contactId: string | null | undefined): Promise<string | undefined> {
  if (!contactId) return undefined;
  const external = (await ctx.hub.contact(contactId))?.externalIds.salesforce;
  return isPersonId(external) ? external : undefined;
}

/** WhoId: the first person record among `candidates`, else a search of the number; WhatId as given. */
async function recordsOf(ctx: Context, phone: string, candidates: (string | undefined)[], whatId: string | undefined): Promise<CauseRecords> {
  const whoId = candidates.find(isPersonId) ?? (await searchPeople(salesforceApi(ctx.auth, ctx.network), 'sms', phone))[0]?.id;
  return { ...(whoId ? { whoId } : {}), ...(whatId ? { whatId } : {}) };
}

async function log(ctx: Context, direction: Direction, messageId: string, text: string, at: Date, records: CauseRecords, status?: { label: string; at: Date }): Promise<SubscriptionOutcome> {
  if (!records.whoId) {
    await ctx.memory.set(memoryKey(messageId), { taskId: null } satisfies Logged as unknown as JsonValue);
    return { status: 'done', note: `${messageId}: no Salesforce contact or lead for this number; nothing logged` };
  }
  const { taskId, created } = await logSmsTask(salesforceApi(ctx.auth, ctx.network), {
    direction,
    messageId,
    text,
    whoId: records.whoId,
    whatId: records.whatId,
    at,
    ...(status ? { statusLine: statusLine(status.label, status.at) } : {}),
    ...(status && ctx.settings.smsStatusField ? { statusField: { name: ctx.settings.smsStatusField, value: status.label } } : {}),
  });
  await ctx.memory.set(memoryKey(messageId), { taskId, whoId: records.whoId, ...(status ? { status: status.label } : {}) } satisfies Logged as unknown as JsonValue);
  return { status: 'done', note: `${messageId}: Task ${taskId} ${created ? 'created' : 'found'} on ${records.whoId}` };
}

async function logSent(ctx: Context, messageId: string): Promise<SubscriptionOutcome> {
  const message = await ctx.hub.message(messageId);
  if (!message || message.channel !== 'sms') return { status: 'done', note: `${messageId}: not an SMS` };
  const cause = causeRecords(message.cause, ctx.installation.id);
  const records = await recordsOf(ctx, message.to, [cause.whoId, await contactRecord(ctx, message.contactId)], cause.whatId);
  const status = statusOf(message);
  const at = message.submittedAt ?? message.createdAt;
  return log(ctx, 'sent', message.id, message.text, at, records, { label: status.label, at: status.final ? (message.completedAt ?? at) : at });
}

async function logReceived(ctx: Context, event: TriggerEvent): Promise<SubscriptionOutcome> {
  const data = event.data as { from?: string; text?: string; messageId?: string; inReplyToMessageId?: string };
  const phone = event.subject.phone;
  if (!phone || typeof data.text !== 'string') return { status: 'done', note: 'a reply from no phone number' };
  const messageId = data.messageId ?? event.id;
  const answered = data.inReplyToMessageId ? await ctx.hub.message(data.inReplyToMessageId) : undefined;
  const cause = causeRecords(answered?.cause ?? null, ctx.installation.id);
  const author = await contactRecord(ctx, event.subject.contactId);
  const records = await recordsOf(ctx, phone, [author, cause.whoId], cause.whatId);
  return log(ctx, 'received', messageId, data.text, event.occurredAt, records);
}

/** The receipt: the Task's status line (and status field), rewritten once per status. */
async function updateStatus(ctx: Context, event: TriggerEvent): Promise<SubscriptionOutcome> {
  const messageId = String(event.data.messageId);
  const logged = await ctx.memory.get<Logged & JsonValue>(memoryKey(messageId));
  if (!logged) {
    return ctx.attempt < RECEIPT_WAITS ? { status: 'retry', note: `${messageId}: its Task is not logged yet` } : { status: 'done', note: `${messageId}: no Task logged yet; the log will write the status` };
  }
  if (logged.taskId === null) return { status: 'done', note: `${messageId}: not logged (no contact or lead)` };
  const message = await ctx.hub.message(messageId);
  if (!message) return { status: 'done', note: `${messageId}: the message was erased` };
  const { label } = statusOf(message);
  if (logged.status === label) return { status: 'done', note: `${messageId}: Task ${logged.taskId} already says ${label}` };
  await salesforceApi(ctx.auth, ctx.network).update('Task', logged.taskId, {
    Description: taskDescription(message.text, message.id, statusLine(label, message.completedAt ?? event.occurredAt)),
    ...(ctx.settings.smsStatusField ? { [ctx.settings.smsStatusField]: label } : {}),
  });
  await ctx.memory.set(memoryKey(messageId), { ...(logged as Logged), status: label } as unknown as JsonValue);
  return { status: 'done', note: `${messageId}: Task ${logged.taskId} → ${label}` };
}

export async function handleActivity(event: TriggerEvent, ctx: Context): Promise<SubscriptionOutcome> {
  if (!ctx.settings.logSms) return { status: 'done', note: 'SMS logging is off (settings.logSms)' };
  if (event.data.channel !== undefined && event.data.channel !== 'sms') return { status: 'done', note: 'not an SMS' };
  const remembered = event.type === 'message.submitted' || event.type === 'sms.received' ? await ctx.memory.get(memoryKey(String(event.data.messageId ?? event.id))) : undefined;
  if (remembered !== undefined) return { status: 'done', note: 'already logged' };
  if (event.type === 'message.submitted') return logSent(ctx, String(event.data.messageId));
  if (event.type === 'sms.received') return logReceived(ctx, event);
  return updateStatus(ctx, event);
}
