/**
 * An SMS as a completed Task in Salesforce, shared by the `log-sms` action and the automatic log (activity.ts):
 *
 *   Subject       "SMS envoyé" / "SMS reçu"
 *   Description   the text; for an SMS the hub sent automatically, a status line ("Statut : délivré — 2026-12-05
 *                 10:15 UTC"); last, the reference line `(réf. hub <message id>)`
 *   WhoId         the contact or lead; WhatId the record the SMS was about (an order, an opportunity…)
 *   Status        Completed; TaskSubtype Task; ActivityDate the day it was sent or received (UTC)
 *
 * The reference line is how a log run again (a retried step, a delivery whose memory was not saved before a crash)
 * finds the Task it already created instead of creating another: Description is a long text area, which SOQL cannot
 * filter on, so the person's latest SMS Tasks are read and their Description's last line compared.
 */
import type { SalesforceApi } from './client.ts';

/** The subjects of the Tasks that log SMS, as the sales reps see them in the activity timeline. */
export const SMS_SUBJECTS = { sent: 'SMS envoyé', received: 'SMS reçu' } as const;
export type Direction = keyof typeof SMS_SUBJECTS;

/** The line closing a logged SMS's comments. */
export const reference = (messageId: string) => `(réf. hub ${messageId})`;

/** Description: the text, the status line when there is one, the reference line. */
export const taskDescription = (text: string, messageId: string, statusLine?: string) => `${text}\n\n${statusLine === undefined ? '' : `${statusLine}\n`}${reference(messageId)}`;

export interface SmsLog {
  direction: Direction;
  messageId: string;
  text: string;
  whoId: string;
  whatId?: string | undefined;
  at: Date;
  statusLine?: string | undefined;
  /** A Task field (settings.smsStatusField) given the delivery status as well. */
  statusField?: { name: string; value: string } | undefined;
}

/** The Task logging this message, created unless one exists; `created` false when it was found. */
export async function logSmsTask(api: SalesforceApi, log: SmsLog): Promise<{ taskId: string; created: boolean }> {
  const subject = SMS_SUBJECTS[log.direction];
  const marker = reference(log.messageId);
  // Ids and the two subjects are the only values in the query: a record id is letters and digits.
  const logged = await api.query<{ Id: string; Description: string | null }>(`SELECT Id, Description FROM Task WHERE WhoId = '${log.whoId}' AND Subject = '${subject}' ORDER BY CreatedDate DESC LIMIT 200`);
  const existing = logged.records.find((task) => task.Description?.endsWith(marker));
  if (existing) return { taskId: existing.Id, created: false };
  const created = await api.create('Task', {
    Subject: subject,
    Description: taskDescription(log.text, log.messageId, log.statusLine),
    WhoId: log.whoId,
    ...(log.whatId === undefined ? {} : { WhatId: log.whatId }),
    Status: 'Completed',
    TaskSubtype: 'Task',
    ActivityDate: log.at.toISOString().slice(0, 10),
    ...(log.statusField === undefined ? {} : { [log.statusField.name]: log.statusField.value }),
  });
  return { taskId: created.id, created: true };
}
