/**
 * The fetch step: read what changed in each followed calendar and hand every event to the inbox,
 * where the pure decisions of events.ts run. Outside any database transaction (Google may be slow).
 *
 * Google's sync protocol (developers.google.com/workspace/calendar/api/guides/sync):
 * - a full sync lists the calendar; `nextSyncToken` is on the last page only, and is stored only
 *   once every page's events are in the inbox: a crash half-way repeats the sync, and the inbox's
 *   dedupe keys (event id + `updated`) make the repeat change nothing;
 * - an incremental sync sends the stored token with the same other parameters (singleEvents), no
 *   timeMin (incompatible with a token), and follows `nextPageToken` to the last page;
 * - 410 Gone (the token expired, an ACL changed): sync fully again. The memory is kept rather than
 *   wiped: the full listing re-reads every event (same `updated`, nothing re-announced) and a
 *   `full-sync` entry lists what the calendar still has, so appointments deleted meanwhile are
 *   cancelled — the wipe's effect without announcing every appointment twice.
 */
import type { CalendarApi } from './client.ts';
import { SyncTokenGone } from './client.ts';
import { GoogleEventSchema } from './payloads.ts';
import type { CalendarState } from './state.ts';

export const EVENT_KIND = 'event';
export const FULL_SYNC_KIND = 'full-sync';

/** How far back a full sync reads: appointments already over are never announced. */
export const FULL_SYNC_LOOKBACK_MS = 24 * 3_600_000;

type Receive = (request: { kind: string; dedupeKey: string; headers: Record<string, string>; body: string }) => Promise<{ id: string; duplicate: boolean }>;

export interface SyncResult {
  full: boolean;
  received: number;
  duplicates: number;
  syncToken: string | null;
}

export async function syncCalendar(api: CalendarApi, calendarId: string, calendar: CalendarState, receive: Receive, now: Date): Promise<SyncResult> {
  let token = calendar.syncToken;
  let received = 0;
  let duplicates = 0;
  const count = (result: { duplicate: boolean }) => (result.duplicate ? duplicates++ : received++);
  for (;;) {
    const full = token === null;
    const timeMin = new Date(now.getTime() - FULL_SYNC_LOOKBACK_MS).toISOString();
    const seen: string[] = [];
    let pageToken: string | undefined;
    let nextSyncToken: string | undefined;
    try {
      do {
        const page = await api.listEvents(calendarId, full ? { timeMin, ...(pageToken ? { pageToken } : {}) } : { syncToken: token!, ...(pageToken ? { pageToken } : {}) });
        for (const item of page.items) {
          const parsed = GoogleEventSchema.safeParse(item);
          if (!parsed.success) continue;
          const event = parsed.data;
          if (full && event.status !== 'cancelled') seen.push(event.id);
          // One entry per version of an event: a replay or an overlapping sync is a duplicate.
          count(await receive({ kind: EVENT_KIND, dedupeKey: `event:${calendarId}:${event.id}:${event.updated ?? event.status ?? ''}`, headers: {}, body: JSON.stringify({ calendarId, event }) }));
        }
        pageToken = page.nextPageToken;
        nextSyncToken = page.nextSyncToken;
      } while (pageToken);
    } catch (error) {
      if (error instanceof SyncTokenGone && !full) {
        token = null;
        continue;
      }
      throw error;
    }
    if (full) {
      // What the calendar lists now, from timeMin on: the handler cancels remembered appointments missing from it.
      count(await receive({ kind: FULL_SYNC_KIND, dedupeKey: `full-sync:${calendarId}:${nextSyncToken ?? now.toISOString()}`, headers: {}, body: JSON.stringify({ calendarId, timeMin, seen }) }));
    }
    return { full, received, duplicates, syncToken: nextSyncToken ?? null };
  }
}
