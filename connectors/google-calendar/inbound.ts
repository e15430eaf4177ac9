/**
 * One inbox entry → appointment events, in the contract's two steps:
 * - `fetchChanges` (outside any transaction): a push or a backstop sync names a calendar; the
 *   changes since its sync token are read (sync.ts) and returned with the new token as a state
 *   patch, stored with the entry in one transaction (a crash before: the read happens again);
 * - `handleDelivery` (inside the inbox transaction): for each event read, the pure decision of
 *   events.ts against the remembered appointment; after a full sync, remembered appointments the
 *   calendar no longer lists are cancelled.
 */
import { z } from 'zod';
import type { FetchContext, Fetched, HandlerContext, InboundDelivery, JsonObject, Outcome, EventDraft } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { toPhoneRegion } from '../../src/contacts/phone.ts';
import { authorizedApi } from './authorized-api.ts';
import { appointmentDecision, appointmentKey, vanishedDecision, type AppointmentMemory, type MappingContext } from './events.ts';
import type { Credentials, Settings } from './manifest.ts';
import { GoogleEventSchema } from './payloads.ts';
import { GcStateSchema } from './state.ts';
import { readChanges } from './sync.ts';

/** A push notification (plugin.ts) and a backstop sync (the `sync` schedule): both say "read calendar X". */
export const PUSH_KIND = 'push';
export const SYNC_KIND = 'sync';

const ReadRequest = z.object({ calendarId: z.string().min(1) });
const ChangesSchema = z.object({
  calendarId: z.string(),
  full: z.boolean(),
  timeMin: z.string().nullable(),
  listedUpdated: z.string().nullable().default(null),
  events: z.array(GoogleEventSchema),
  syncToken: z.string().nullable(),
});
const SkippedSchema = z.object({ calendarId: z.string(), skipped: z.string() });

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export async function fetchChanges(delivery: InboundDelivery, ctx: FetchContext<Settings, Credentials>): Promise<Fetched | undefined> {
  if (delivery.kind !== PUSH_KIND && delivery.kind !== SYNC_KIND) return undefined;
  const request = ReadRequest.safeParse(parseJson(delivery.body));
  if (!request.success) return undefined;
  const { calendarId } = request.data;
  const calendar = GcStateSchema.parse(ctx.state()).calendars[calendarId];
  if (!calendar || calendar.goneAt !== null || !ctx.settings.calendars.some((followed) => followed.id === calendarId)) {
    return { data: { calendarId, skipped: 'calendar not followed' } };
  }
  const now = new Date();
  try {
    const changes = await readChanges(authorizedApi(ctx.auth), calendarId, calendar, now);
    return { data: changes as unknown as JsonValue, state: { calendars: { [calendarId]: { syncToken: changes.syncToken, lastSyncAt: now.toISOString() } } } };
  } catch (error) {
    if (error instanceof ExternalSystemError && error.kind === 'not-found') {
      // Deleted or unshared: stop reading it (its channel is stopped by the next renewal pass).
      return { data: { calendarId, skipped: 'calendar gone at Google (404)' }, state: { calendars: { [calendarId]: { goneAt: now.toISOString() } } } };
    }
    throw error;
  }
}

const ignored = (note: string): Outcome => ({ status: 'ignored', note, events: [] });

export async function handleDelivery(delivery: InboundDelivery, ctx: HandlerContext<Settings>): Promise<Outcome> {
  if (delivery.kind !== PUSH_KIND && delivery.kind !== SYNC_KIND) return ignored(`unknown delivery kind "${delivery.kind}"`);
  const skipped = SkippedSchema.safeParse(delivery.fetched);
  if (skipped.success) return ignored(`${skipped.data.calendarId}: ${skipped.data.skipped}`);
  const parsed = ChangesSchema.safeParse(delivery.fetched);
  if (!parsed.success) return ignored('nothing was read for this notification');
  const changes = parsed.data;
  const calendar = ctx.settings.calendars.find((candidate) => candidate.id === changes.calendarId) ?? { id: changes.calendarId, name: changes.calendarId, timeZone: 'Europe/Paris' };
  const mapping: MappingContext = { installationId: ctx.installation.id, calendar, region: toPhoneRegion(ctx.settings.phoneRegion) ?? 'FR', now: ctx.now };
  const events: EventDraft[] = [];
  const notes: string[] = [];
  const apply = async (key: string, decision: ReturnType<typeof appointmentDecision>) => {
    if (!decision.apply) return;
    await ctx.memory.set(key, decision.memory as unknown as JsonValue);
    events.push(...decision.events);
    if (decision.note) notes.push(decision.note);
  };
  for (const event of changes.events) {
    const key = appointmentKey(calendar.id, event.id);
    await apply(key, appointmentDecision(event, await ctx.memory.get<AppointmentMemory & JsonObject>(key), mapping));
  }
  if (changes.full && changes.timeMin !== null) {
    const listed = new Set(changes.events.map((event) => appointmentKey(calendar.id, event.id)));
    const since = new Date(changes.timeMin).getTime();
    for (const { key, value } of await ctx.memory.findByField<AppointmentMemory & JsonObject>(`appt:${calendar.id}:`, { status: 'scheduled' })) {
      if (listed.has(key) || !value.appointment || new Date(value.appointment.end.at).getTime() < since) continue;
      const decision = vanishedDecision(value, changes.listedUpdated, mapping);
      await apply(key, decision);
      notes.push(`${key}: ${decision.apply ? 'no longer in the calendar (full sync)' : decision.note}`);
    }
  }
  const summary = `${changes.full ? 'full' : 'incremental'} sync of ${calendar.name}: ${changes.events.length} event(s) read`;
  return { status: events.length > 0 ? 'processed' : 'ignored', events, note: [summary, ...notes].join('; ').slice(0, 2_000) };
}
