/**
 * The fetch step: read what changed in one calendar since the stored sync token. Runs outside any
 * database transaction (Google may be slow); what it returns is stored on the inbox entry together
 * with the new token (a state patch), in one transaction, then handed to the pure decisions.
 *
 * Google's sync protocol (developers.google.com/workspace/calendar/api/guides/sync):
 * - a full sync lists the calendar; `nextSyncToken` is on the last page only;
 * - an incremental sync sends the stored token with the same other parameters (singleEvents), no
 *   timeMin (incompatible with a token), and follows `nextPageToken` to the last page;
 * - 410 Gone (the token expired, an ACL changed): sync fully again. The memory is kept rather than
 *   wiped: the full listing re-reads every event (same `updated`: nothing announced twice) and says
 *   which events the calendar still has, so appointments deleted meanwhile are cancelled — the
 *   wipe's effect without announcing every appointment again.
 * The token is only stored with what was read: a crash before that repeats the read, and the
 * decisions (by `updated`) make the repeat change nothing.
 */
import type { CalendarApi } from './client.ts';
import { SyncTokenGone } from './client.ts';
import { GoogleEventSchema, type GoogleEvent } from './payloads.ts';
import type { CalendarState } from './state.ts';

/** How far back a full sync reads: appointments already over are never announced. */
export const FULL_SYNC_LOOKBACK_MS = 24 * 3_600_000;

export interface Changes {
  calendarId: string;
  full: boolean;
  /** Full syncs: the lower bound listed; remembered appointments ending after it and not in `events` were deleted. */
  timeMin: string | null;
  /**
   * Full syncs: the calendar's last modification time as the listing began (the first page's `updated`, Google's
   * clock). An appointment remembered from a version newer than this was read by another sync after this listing
   * (two processes syncing at once): its absence here says nothing.
   */
  listedUpdated: string | null;
  events: GoogleEvent[];
  syncToken: string | null;
}

/** The fields the decisions read: a full sync of a busy calendar stays small on the inbox row. */
function slim(event: GoogleEvent): GoogleEvent {
  const { id, status, updated, summary, description, location, start, end, recurringEventId, originalStartTime, attendees, organizer, creator, extendedProperties, htmlLink } = event;
  return Object.fromEntries(
    Object.entries({ id, status, updated, summary, description: description?.slice(0, 2_000), location, start, end, recurringEventId, originalStartTime, attendees, organizer, creator, extendedProperties, htmlLink }).filter(([, value]) => value !== undefined),
  ) as GoogleEvent;
}

export async function readChanges(api: CalendarApi, calendarId: string, calendar: Pick<CalendarState, 'syncToken'>, now: Date): Promise<Changes> {
  let token = calendar.syncToken;
  for (;;) {
    const full = token === null;
    const timeMin = new Date(now.getTime() - FULL_SYNC_LOOKBACK_MS).toISOString();
    const events: GoogleEvent[] = [];
    let pageToken: string | undefined;
    let nextSyncToken: string | undefined;
    let listedUpdated: string | undefined;
    try {
      do {
        const page = await api.listEvents(calendarId, full ? { timeMin, ...(pageToken ? { pageToken } : {}) } : { syncToken: token!, ...(pageToken ? { pageToken } : {}) });
        for (const item of page.items) {
          const parsed = GoogleEventSchema.safeParse(item);
          if (parsed.success) events.push(slim(parsed.data));
        }
        listedUpdated ??= page.updated;
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
    return { calendarId, full, timeMin: full ? timeMin : null, listedUpdated: full ? (listedUpdated ?? null) : null, events, syncToken: nextSyncToken ?? null };
  }
}
