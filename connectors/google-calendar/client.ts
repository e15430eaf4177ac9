/**
 * Google Calendar API v3 through Google's own client (`@googleapis/calendar`), with the hub's
 * access token as a bearer header: tokens are refreshed by the hub (single-flight, sealed), never
 * by the library. The library's own retries are off (`retry: false`): it would retry a 503 four
 * times in 2 s inside a job; the hub's jobs and schedules retry with their backoff instead.
 *
 * Google's errors become ExternalSystemErrors, plus two the sync and the channels act on:
 * `SyncTokenGone` (410: the token is invalid, wipe and sync fully) and `kind: 'not-found'` (404:
 * the calendar was deleted or unshared: end its channel, stop syncing it). A 403 whose reason is
 * `rateLimitExceeded` / `userRateLimitExceeded` is transient (`server`): Google asks for backoff.
 *
 * The API's host is Google's, never a tenant-given one: the SSRF guard of src/net does not apply.
 * Its root changes for tests only: in-process tests intercept Google's host with nock; a hub started as a
 * child process by a test (testing/hub-main.ts) is pointed at the fake's local address with
 * `useApiRootForTests`. No environment variable or setting reaches it.
 */
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { CalendarListPageSchema, ChannelSchema, EventsPageSchema, GoogleEventSchema, type CalendarListEntry, type EventsPage, type GoogleEvent } from './payloads.ts';

export const GOOGLE_API_ROOT = 'https://www.googleapis.com/';
let apiRoot = GOOGLE_API_ROOT;

/** Tests only (a child hub process): the Calendar API at the fake's local address. */
export function useApiRootForTests(root: string): void {
  apiRoot = root;
}
const TIMEOUT_MS = 30_000;
/** Events per page: Google's maximum is 2500; 250 keeps one page's handling short. */
export const PAGE_SIZE = 250;

export class SyncTokenGone extends Error {
  constructor(calendarId: string) {
    super(`Google invalidated the sync token of calendar ${calendarId} (410 Gone): a full sync is needed`);
    this.name = 'SyncTokenGone';
  }
}

export interface WatchRequest {
  id: string;
  token: string;
  address: string;
  /** Requested expiry, ms since the epoch; Google may shorten it (its answer says). */
  expiration: number;
}

export interface WatchedChannel {
  id: string;
  resourceId: string;
  expiration: number | null;
}

export interface ListParams {
  syncToken?: string;
  pageToken?: string;
  timeMin?: string;
}

/** What the connector does at Google; the sync and the channels take this, tests may too. */
export interface CalendarApi {
  listEvents(calendarId: string, params: ListParams): Promise<EventsPage>;
  watch(calendarId: string, request: WatchRequest): Promise<WatchedChannel>;
  stopChannel(channel: { id: string; resourceId: string }): Promise<void>;
  getEvent(calendarId: string, eventId: string): Promise<GoogleEvent>;
  patchEvent(calendarId: string, eventId: string, patch: calendar_v3.Schema$Event): Promise<GoogleEvent>;
  insertEvent(calendarId: string, event: calendar_v3.Schema$Event): Promise<GoogleEvent>;
  deleteEvent(calendarId: string, eventId: string): Promise<void>;
  listCalendars(): Promise<CalendarListEntry[]>;
}

interface GaxiosLikeError {
  status?: number;
  response?: { status?: number; data?: unknown };
  code?: string | number;
  message?: string;
}

function googleReason(data: unknown): { reason?: string; message?: string } {
  const error = (data as { error?: { message?: string; errors?: { reason?: string }[]; status?: string } } | undefined)?.error;
  return { reason: error?.errors?.[0]?.reason ?? error?.status, message: error?.message };
}

/** Google's error → what the hub does about it, said for the person reading the installation's status. */
export function toExternalError(error: unknown, what: string, calendarId?: string): Error {
  if (error instanceof ExternalSystemError || error instanceof SyncTokenGone) return error;
  const failure = error as GaxiosLikeError;
  const status = failure.response?.status ?? failure.status;
  const { reason, message } = googleReason(failure.response?.data);
  const said = message ? ` Google said: "${message.slice(0, 200)}"${reason ? ` (${reason})` : ''}.` : '';
  const options = { ...(status !== undefined ? { status } : {}), ...(reason ? { code: reason } : {}) };
  if (status === undefined) {
    const code = typeof failure.code === 'string' ? failure.code : 'error';
    if (code === 'ETIMEDOUT' || /timeout|aborted/i.test(failure.message ?? '')) return new ExternalSystemError('timeout', `Google Calendar did not answer ${what} within ${TIMEOUT_MS / 1000} s.`);
    return new ExternalSystemError('unreachable', `Google Calendar cannot be reached while ${what} (${code}: ${failure.message ?? ''}).`);
  }
  if (status === 410 && calendarId !== undefined) return new SyncTokenGone(calendarId);
  if (status === 401) return new ExternalSystemError('auth', `Google refused the access token while ${what} (401).${said} The hub refreshes it; if this persists, reconnect the Google account.`, options);
  if (status === 403 && (reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded' || reason === 'quotaExceeded')) {
    return new ExternalSystemError('server', `Google Calendar's rate limit was reached while ${what} (403 ${reason}); retried later with backoff.`, options);
  }
  if (status === 403) return new ExternalSystemError('auth', `Google refused ${what} (403).${said} Check that the Google account may edit this calendar and that the hub was given the calendar scopes.`, options);
  if (status === 404) return new ExternalSystemError('not-found', `Not found at Google while ${what} (404): the calendar or event was deleted or is no longer shared with this account.${said}`, options);
  if (status === 429 || status >= 500) return new ExternalSystemError('server', `Google Calendar failed while ${what} (HTTP ${status}).${said} Retried later.`, options);
  return new ExternalSystemError('refused', `Google Calendar refused ${what} (HTTP ${status}).${said}`, options);
}

export function googleCalendarApi(accessToken: string): CalendarApi {
  const api = calendar({ version: 'v3', rootUrl: apiRoot, headers: { authorization: `Bearer ${accessToken}` }, retry: false, timeout: TIMEOUT_MS });
  async function call<T>(what: string, run: () => Promise<{ data: unknown }>, parse: (data: unknown) => T, calendarId?: string): Promise<T> {
    let data: unknown;
    try {
      data = (await run()).data;
    } catch (error) {
      throw toExternalError(error, what, calendarId);
    }
    try {
      return parse(data);
    } catch {
      throw new ExternalSystemError('invalid-response', `Google Calendar's answer to ${what} is not what its API documents.`);
    }
  }
  return {
    listEvents: (calendarId, params) =>
      call(
        `reading the events of calendar ${calendarId}`,
        // singleEvents: a recurring appointment's instances are what the salon sees and reminds of.
        // The same parameters on every page and every incremental call, as the sync guide requires.
        () => api.events.list({ calendarId, singleEvents: true, maxResults: PAGE_SIZE, ...params }),
        (data) => EventsPageSchema.parse(data),
        params.syncToken ? calendarId : undefined,
      ),
    watch: (calendarId, request) =>
      call(
        `watching calendar ${calendarId}`,
        () => api.events.watch({ calendarId, requestBody: { id: request.id, type: 'web_hook', address: request.address, token: request.token, expiration: String(request.expiration) } }),
        (data) => {
          const channel = ChannelSchema.parse(data);
          return { id: channel.id, resourceId: channel.resourceId, expiration: channel.expiration === undefined ? null : Number(channel.expiration) };
        },
      ),
    stopChannel: (channel) => call(`stopping channel ${channel.id}`, () => api.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } }), () => undefined),
    getEvent: (calendarId, eventId) => call(`reading event ${eventId}`, () => api.events.get({ calendarId, eventId }), (data) => GoogleEventSchema.parse(data)),
    patchEvent: (calendarId, eventId, patch) =>
      call(`updating event ${eventId}`, () => api.events.patch({ calendarId, eventId, requestBody: patch }), (data) => GoogleEventSchema.parse(data)),
    insertEvent: (calendarId, event) =>
      call(`creating an event in calendar ${calendarId}`, () => api.events.insert({ calendarId, requestBody: event }), (data) => GoogleEventSchema.parse(data)),
    deleteEvent: (calendarId, eventId) => call(`deleting event ${eventId}`, () => api.events.delete({ calendarId, eventId }), () => undefined),
    listCalendars: async () => {
      const entries: CalendarListEntry[] = [];
      let pageToken: string | undefined;
      do {
        const page = await call('listing the account\'s calendars', () => api.calendarList.list({ maxResults: 250, ...(pageToken ? { pageToken } : {}) }), (data) => CalendarListPageSchema.parse(data));
        entries.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return entries;
    },
  };
}
