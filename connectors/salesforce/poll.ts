/**
 * The backstop poll (schedule `poll`, every settings.pollEveryMinutes): a missed Outbound Message (the Flow was
 * off, the hub unreachable for more than Salesforce's 24 hours of retries) is caught here. For each followed object,
 * the records whose SystemModstamp is at or after the object's cursor are read with SOQL
 * (`SELECT … FROM <object> WHERE SystemModstamp >= <cursor> ORDER BY SystemModstamp ASC LIMIT 1000`), turned into the
 * Outbound Message's shape (field → text) and handed to the inbox under `poll:<object>:<Id>:<SystemModstamp>`. The
 * inbox dedupes a row read twice (the cursor is inclusive: SOQL compares whole seconds), and the handler's memory
 * and event keys, shared with the Outbound Message path, make a change already pushed publish nothing. A cursor
 * moves only past what was stored. Reconcile starts the cursors at install time: the org's history is not replayed.
 *
 * An object the org lacks or the user cannot read (Orders not enabled, a field missing) is skipped with its error
 * kept in the state, so the other objects are still polled.
 */
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { JsonObject, PollContext } from '../../src/connectors/connector.ts';
import { salesforceApi } from './client.ts';
import type { Fields } from './events.ts';
import type { Credentials, Settings } from './manifest.ts';
import { NOTIFICATION_KIND } from './outbound-message.ts';

const PAGE = 1000;

/** The fields each object's poll reads: what its Outbound Message should send (docs/connectors/salesforce.md). */
export function polledFields(settings: Settings): Record<string, string[]> {
  const checkboxes = [settings.smsConsentField, settings.smsOptOutField].filter((field): field is string => field !== undefined);
  const person = ['Id', 'FirstName', 'LastName', 'Phone', 'MobilePhone', 'Email', 'HasOptedOutOfEmail', ...checkboxes, 'SystemModstamp'];
  const all: Record<string, string[]> = {
    Task: ['Id', 'OwnerId', 'Subject', 'Status', 'Priority', 'ActivityDate', 'Description', 'WhoId', 'WhatId', 'IsClosed', 'SystemModstamp'],
    Order: ['Id', 'OrderNumber', 'Status', 'TotalAmount', 'BillToContactId', 'SystemModstamp'],
    Contact: person,
    Lead: [...person.slice(0, -1), 'Company', 'SystemModstamp'],
  };
  const followed: Record<string, string[]> = {};
  for (const sobject of settings.pollObjects) followed[sobject] = all[sobject]!;
  const invoices = settings.invoices;
  if (invoices) {
    followed[invoices.sobject] = [...new Set(['Id', invoices.numberField, invoices.dueDateField, invoices.contactField, ...(invoices.amountField ? [invoices.amountField] : []), ...(invoices.paidField ? [invoices.paidField] : []), 'SystemModstamp'])];
  }
  return followed;
}

/** A REST value as an Outbound Message writes it: text, booleans "true"/"false", date-times in ISO 8601 with Z. */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value !== 'string') return JSON.stringify(value);
  // REST writes date-times as 2026-12-05T09:00:00.000+0000.
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?[+-]\d{4}$/.test(value) ? new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString() : value;
}

function fieldsOf(record: Record<string, unknown>): Fields {
  const fields: Fields = {};
  for (const [name, value] of Object.entries(record)) if (name !== 'attributes') fields[name] = textOf(value);
  return fields;
}

/** SOQL date-time literals have whole seconds: 2026-12-05T09:00:00Z. */
const soqlInstant = (iso: string) => `${iso.slice(0, 19)}Z`;

/** Cursors for every followed object not yet started: now (used by reconcile). */
export function startedCursors(settings: Settings, cursors: JsonObject, now: Date): { cursors: JsonObject; started: string[] } {
  const next: JsonObject = { ...cursors };
  const started: string[] = [];
  for (const sobject of Object.keys(polledFields(settings))) {
    if (typeof next[sobject] === 'string') continue;
    next[sobject] = now.toISOString();
    started.push(sobject);
  }
  return { cursors: next, started };
}

export async function poll(ctx: PollContext<Settings, Credentials>): Promise<{ received: number; duplicates: number; skipped: string[] }> {
  const api = salesforceApi(ctx.auth, ctx.network);
  const state = ctx.state();
  const cursors = { ...((state.pollCursors ?? {}) as JsonObject) };
  const errors: JsonObject = {};
  let received = 0;
  let duplicates = 0;
  for (const [sobject, fields] of Object.entries(polledFields(ctx.settings))) {
    const cursor = cursors[sobject];
    // Not started by reconcile yet: the next reconcile starts it (never the org's whole history).
    if (typeof cursor !== 'string') continue;
    let page;
    try {
      page = await api.query<Record<string, unknown>>(`SELECT ${fields.join(', ')} FROM ${sobject} WHERE SystemModstamp >= ${soqlInstant(cursor)} ORDER BY SystemModstamp ASC LIMIT ${PAGE}`);
    } catch (error) {
      if (error instanceof ExternalSystemError && (error.kind === 'refused' || error.kind === 'not-found')) {
        errors[sobject] = error.message.slice(0, 500);
        continue;
      }
      throw error;
    }
    for (const record of page.records) {
      const change = fieldsOf(record);
      const modstamp = change.SystemModstamp;
      if (typeof change.Id !== 'string' || !modstamp) continue;
      const result = await ctx.receive({
        kind: NOTIFICATION_KIND,
        dedupeKey: `poll:${sobject}:${change.Id}:${modstamp}`,
        headers: {},
        body: JSON.stringify({ organizationId: ctx.installation.account, actionId: 'poll', notificationId: `poll:${modstamp}`, sobjectType: sobject, fields: change }),
      });
      if (result.duplicate) duplicates++;
      else received++;
      if (modstamp > (cursors[sobject] as string)) cursors[sobject] = modstamp;
    }
  }
  await ctx.saveState({ ...ctx.state(), pollCursors: cursors, pollErrors: errors });
  return { received, duplicates, skipped: Object.keys(errors) };
}
