/**
 * Google Calendar API v3 for tests, reproduced with nock from Google's reference and guides:
 * - `GET /calendar/v3/calendars/{id}/events`: full listing (non-cancelled, `timeMin` honoured),
 *   incremental with `syncToken` (every version since the token, cancelled ones as stubs: a
 *   cancelled instance of a recurring event has only `id`, `recurringEventId`,
 *   `originalStartTime`), pagination with `maxResults` / `pageToken`, `nextSyncToken` on the last
 *   page only, 410 `fullSyncRequired` for an invalidated token, 400 for `syncToken` with `timeMin`;
 * - `POST …/events/watch` → an `api#channel` with `resourceId` and `expiration` (a string of ms,
 *   capped at 7 days); `POST /calendar/v3/channels/stop` (204, 404 for an unknown channel);
 * - `GET/PATCH/DELETE …/events/{id}`, `POST …/events`, `GET /calendar/v3/users/me/calendarList`;
 * - Google's error bodies (`{"error":{"errors":[{"domain","reason","message"}],"code","message"}}`),
 *   401 for a bad bearer token, 404 for a deleted calendar, injectable failures (403 rateLimitExceeded).
 * Push notifications are built as Google sends them — POST, no body, X-Goog-* headers — and are
 * queued: the test delivers them (`deliverPushes`) or loses them (`dropPushes`).
 * The same API also answers over HTTP on a local port (`listen`), for hubs a test starts as child processes,
 * which nock cannot reach; `onCall` runs before each answer (a test holds a call there to kill the caller).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import nock from 'nock';

export const GOOGLE_ORIGIN = 'https://www.googleapis.com';
const MAX_TTL_MS = 7 * 24 * 3_600_000;

type Json = Record<string, unknown>;

export interface FakeEvent extends Json {
  id: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  updated: string;
}

interface Version {
  seq: number;
  event: FakeEvent;
}

interface FakeCalendar {
  id: string;
  summary: string;
  timeZone: string;
  accessRole: 'owner' | 'writer' | 'reader';
  /** The account's own calendar: its id is the account's address, and `primary` names it in paths. */
  primary: boolean;
  events: Map<string, FakeEvent>;
  log: Version[];
  deleted: boolean;
  resourceId: string;
}

export interface FakeChannel {
  id: string;
  calendarId: string;
  resourceId: string;
  address: string;
  token: string | undefined;
  expiration: number;
  stopped: boolean;
  messageNumber: number;
}

export interface Push {
  url: string;
  headers: Record<string, string>;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

const googleError = (code: number, reason: string, message: string) => ({ error: { errors: [{ domain: 'global', reason, message }], code, message } });

export class FakeGoogleCalendar {
  readonly calls: RecordedCall[] = [];
  readonly channels = new Map<string, FakeChannel>();
  readonly pushes: Push[] = [];
  /** Bearer tokens Google accepts (besides those `options.acceptToken` vouches for). */
  readonly accessTokens = new Set<string>(['ya29.test-access-token']);
  #calendars = new Map<string, FakeCalendar>();
  #seq = 0;
  /** Tokens of an earlier epoch answer 410 (Google invalidated them); tokens given after stay valid. */
  #tokenEpoch = 0;
  #failures: { match: (call: RecordedCall) => boolean; status: number; reason: string }[] = [];
  #now: () => Date;
  #acceptToken: ((token: string) => Promise<boolean>) | undefined;
  #scope: nock.Scope;

  /**
   * `acceptToken`: whether a bearer token not in `accessTokens` is valid — an end-to-end test asks the local
   * authorization server (test/support/oauth-server.ts) that issued it, as Google checks its own tokens.
   */
  constructor(options: { now?: () => Date; acceptToken?: (token: string) => Promise<boolean> } = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#acceptToken = options.acceptToken;
    this.#scope = nock(GOOGLE_ORIGIN).persist();
    // nock 15 calls a one-argument reply function with the fetch Request.
    const route = (method: 'get' | 'post' | 'patch' | 'delete', path: RegExp) =>
      this.#scope[method](path)
        .query(true)
        .reply(async (request: Request): Promise<nock.ReplyFnResult> => (await this.#answer(method.toUpperCase(), request.url, await request.text(), request.headers.get('authorization') ?? undefined)) as nock.ReplyFnResult);
    route('get', /^\/calendar\/v3\/.*/);
    route('post', /^\/calendar\/v3\/.*/);
    route('patch', /^\/calendar\/v3\/.*/);
    route('delete', /^\/calendar\/v3\/.*/);
  }

  /** Runs before each call is answered (after it is recorded in `calls`). */
  onCall: ((call: RecordedCall) => Promise<void>) | undefined;
  #server: Server | undefined;

  /** Serves the API on a local port too; the root URL to give the hub (`useApiRootForTests`). */
  async listen(): Promise<string> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void this.#answer(request.method ?? 'GET', `${GOOGLE_ORIGIN}${request.url ?? '/'}`, Buffer.concat(chunks).toString(), request.headers.authorization).then(
          ([status, body]) => {
            if (response.destroyed) return;
            response.writeHead(status, body === '' ? {} : { 'content-type': 'application/json; charset=UTF-8' });
            response.end(body === '' ? undefined : JSON.stringify(body));
          },
          () => response.destroy(),
        );
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/`;
  }

  close(): void {
    this.#scope.persist(false);
    nock.cleanAll();
    this.#server?.closeAllConnections();
    this.#server?.close();
  }

  async #answer(method: string, uri: string, text: string, authorization: string | undefined): Promise<[number, unknown]> {
    const bearer = authorization?.replace(/^Bearer /, '');
    const authorized = bearer !== undefined && (this.accessTokens.has(bearer) || ((await this.#acceptToken?.(bearer)) ?? false));
    return this.#handle(method, uri, text === '' ? undefined : (JSON.parse(text) as unknown), authorized);
  }

  // ---- the world the test arranges --------------------------------------------------------

  addCalendar(id: string, options: { summary?: string; timeZone?: string; accessRole?: FakeCalendar['accessRole']; primary?: boolean } = {}): void {
    this.#calendars.set(id, {
      id,
      summary: options.summary ?? id,
      timeZone: options.timeZone ?? 'Europe/Paris',
      accessRole: options.accessRole ?? 'owner',
      primary: options.primary ?? false,
      events: new Map(),
      log: [],
      deleted: false,
      resourceId: randomBytes(12).toString('base64url'),
    });
  }

  deleteCalendar(id: string): void {
    this.#calendar(id).deleted = true;
  }

  /** A receptionist's change in the calendar: stored, logged for incremental syncs, notified on live channels. */
  putEvent(calendarId: string, event: Json & { id?: string }): FakeEvent {
    const calendar = this.#calendar(calendarId);
    const previous = event.id ? calendar.events.get(event.id) : undefined;
    const stored: FakeEvent = {
      kind: 'calendar#event',
      etag: `"${randomBytes(6).toString('hex')}"`,
      status: 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${randomBytes(8).toString('base64url')}`,
      created: previous?.created ?? this.#now().toISOString(),
      organizer: { email: calendarId, self: true },
      creator: { email: calendarId, self: true },
      ...previous,
      ...event,
      id: event.id ?? randomBytes(10).toString('hex'),
      updated: this.#nextUpdated(previous?.updated),
      sequence: ((previous?.sequence as number | undefined) ?? -1) + 1,
    } as FakeEvent;
    calendar.events.set(stored.id, stored);
    this.#record(calendar, stored);
    return stored;
  }

  /** Deleting an event (or one instance of a series): it becomes cancelled. */
  deleteEvent(calendarId: string, eventId: string): void {
    const calendar = this.#calendar(calendarId);
    const previous = calendar.events.get(eventId);
    if (!previous) throw new Error(`fake Google: no event ${eventId}`);
    const stored: FakeEvent = { ...previous, status: 'cancelled', updated: this.#nextUpdated(previous.updated) };
    calendar.events.set(eventId, stored);
    this.#record(calendar, stored);
  }

  event(calendarId: string, eventId: string): FakeEvent | undefined {
    return this.#calendar(calendarId).events.get(eventId);
  }

  /** Google invalidates every sync token given so far (expiry, ACL change): the next incremental call gets 410. */
  invalidateSyncTokens(): void {
    this.#tokenEpoch += 1;
  }

  /** The next matching calls fail with this status and reason (`times` calls). */
  failNext(match: (call: RecordedCall) => boolean, status: number, reason: string, times = 1): void {
    for (let i = 0; i < times; i++) this.#failures.push({ match, status, reason });
  }

  liveChannels(calendarId?: string): FakeChannel[] {
    const now = this.#now().getTime();
    return [...this.channels.values()].filter((channel) => !channel.stopped && channel.expiration > now && (calendarId === undefined || channel.calendarId === calendarId));
  }

  /** Sends the queued pushes to the hub (POST, empty body), in order; returns their statuses. */
  async deliverPushes(): Promise<number[]> {
    const statuses: number[] = [];
    while (this.pushes.length > 0) {
      const push = this.pushes.shift()!;
      const response = await fetch(push.url, { method: 'POST', headers: push.headers });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    return statuses;
  }

  dropPushes(): number {
    return this.pushes.splice(0).length;
  }

  // ---- the API ---------------------------------------------------------------------------

  #calendar(id: string): FakeCalendar {
    const calendar = this.#find(id);
    if (!calendar) throw new Error(`fake Google: no calendar ${id}`);
    return calendar;
  }

  /** A calendar by id, or the account's own by the keyword `primary` (as Google resolves it). */
  #find(id: string): FakeCalendar | undefined {
    return id === 'primary' ? [...this.#calendars.values()].find((calendar) => calendar.primary) : this.#calendars.get(id);
  }

  #nextUpdated(previous: string | undefined): string {
    // Google's `updated` has millisecond precision and always moves forward.
    const now = this.#now().getTime();
    const after = previous ? new Date(previous).getTime() + 1 : 0;
    return new Date(Math.max(now, after)).toISOString();
  }

  #record(calendar: FakeCalendar, event: FakeEvent): void {
    calendar.log.push({ seq: ++this.#seq, event });
    for (const channel of this.liveChannels(calendar.id)) this.#queuePush(channel, 'exists');
  }

  #queuePush(channel: FakeChannel, state: 'sync' | 'exists' | 'not_exists'): void {
    channel.messageNumber += 1;
    this.pushes.push({
      url: channel.address,
      headers: {
        'X-Goog-Channel-ID': channel.id,
        ...(channel.token !== undefined ? { 'X-Goog-Channel-Token': channel.token } : {}),
        'X-Goog-Channel-Expiration': new Date(channel.expiration).toUTCString(),
        'X-Goog-Resource-ID': channel.resourceId,
        'X-Goog-Resource-URI': `${GOOGLE_ORIGIN}/calendar/v3/calendars/${encodeURIComponent(channel.calendarId)}/events?alt=json`,
        'X-Goog-Resource-State': state,
        'X-Goog-Message-Number': String(channel.messageNumber),
      },
    });
  }

  async #handle(method: string, uri: string, body: unknown, authorized: boolean): Promise<[number, unknown]> {
    const url = new URL(uri, GOOGLE_ORIGIN);
    const call: RecordedCall = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body };
    this.calls.push(call);
    await this.onCall?.(call);
    if (!authorized) return [401, googleError(401, 'authError', 'Invalid Credentials')];
    const failure = this.#failures.findIndex((candidate) => candidate.match(call));
    if (failure >= 0) {
      const { status, reason } = this.#failures.splice(failure, 1)[0]!;
      return [status, googleError(status, reason, reason === 'rateLimitExceeded' ? 'Rate Limit Exceeded' : reason)];
    }
    const path = url.pathname.slice('/calendar/v3'.length);
    if (method === 'POST' && path === '/channels/stop') return this.#stop(body as Json);
    if (method === 'GET' && path === '/users/me/calendarList') return this.#calendarList();
    const match = /^\/calendars\/([^/]+)\/events(?:\/(watch|[^/]+))?$/.exec(path);
    if (!match) return [404, googleError(404, 'notFound', 'Not Found')];
    const calendar = this.#find(decodeURIComponent(match[1]!));
    if (!calendar || calendar.deleted) return [404, googleError(404, 'notFound', 'Not Found')];
    const sub = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (method === 'GET' && sub === undefined) return this.#list(calendar, url.searchParams);
    if (method === 'POST' && sub === 'watch') return this.#watch(calendar, body as Json);
    if (method === 'POST' && sub === undefined) return this.#insert(calendar, body as Json);
    if (sub !== undefined) {
      const event = calendar.events.get(sub);
      if (!event) return [404, googleError(404, 'notFound', 'Not Found')];
      if (method === 'GET') return [200, event];
      if (method === 'PATCH') return [200, this.putEvent(calendar.id, { ...this.#merge(event, body as Json), id: event.id })];
      if (method === 'DELETE') {
        if (event.status === 'cancelled') return [410, googleError(410, 'deleted', 'Resource has been deleted')];
        this.deleteEvent(calendar.id, event.id);
        return [204, ''];
      }
    }
    return [404, googleError(404, 'notFound', 'Not Found')];
  }

  /** events.insert: an id given by the client must be base32hex (a-v, 0-9), 5 to 1024 characters, and new in the calendar. */
  #insert(calendar: FakeCalendar, body: Json): [number, unknown] {
    const id = body.id;
    if (id !== undefined && (typeof id !== 'string' || !/^[a-v0-9]{5,1024}$/.test(id))) return [400, googleError(400, 'invalid', 'Invalid resource id value.')];
    if (typeof id === 'string' && calendar.events.has(id)) return [409, googleError(409, 'duplicate', 'The requested identifier already exists.')];
    return [200, this.putEvent(calendar.id, { ...body, id: typeof id === 'string' ? id : undefined })];
  }

  /** PATCH semantics: objects merge field by field (extendedProperties.private keeps its other keys), arrays are replaced. */
  #merge(target: Json, patch: Json): Json {
    const merged: Json = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      const current = merged[key];
      merged[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current) ? this.#merge(current as Json, value as Json) : value;
    }
    return merged;
  }

  #list(calendar: FakeCalendar, query: URLSearchParams): [number, unknown] {
    if (query.get('singleEvents') !== 'true') throw new Error('fake Google: the hub must list with singleEvents=true');
    const syncToken = query.get('syncToken');
    const maxResults = Math.min(Number(query.get('maxResults') ?? 250), 2500);
    const pageToken = query.get('pageToken');
    let items: Json[];
    let snapshot: number;
    let offset = 0;
    if (pageToken) {
      const page = JSON.parse(Buffer.from(pageToken, 'base64url').toString()) as { snapshot: number; offset: number };
      snapshot = page.snapshot;
      offset = page.offset;
    } else snapshot = this.#seq;
    if (syncToken !== null) {
      for (const forbidden of ['timeMin', 'timeMax', 'q', 'orderBy', 'updatedMin', 'iCalUID']) {
        if (query.has(forbidden)) return [400, googleError(400, 'invalid', `${forbidden} cannot be used with syncToken`)];
      }
      const token = /^tok\.([^.]+)\.(\d+)\.(\d+)$/.exec(syncToken);
      if (!token || token[1] !== calendar.resourceId) return [400, googleError(400, 'invalid', 'Invalid sync token value.')];
      const since = Number(token[2]);
      if (Number(token[3]) < this.#tokenEpoch) return [410, googleError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.')];
      const latest = new Map<string, FakeEvent>();
      for (const version of calendar.log) if (version.seq > since && version.seq <= snapshot) latest.set(version.event.id, version.event);
      items = [...latest.values()].map((event) => (event.status === 'cancelled' ? this.#stub(event) : event));
    } else {
      const timeMin = query.get('timeMin');
      items = [...calendar.events.values()].filter((event) => event.status !== 'cancelled' && (timeMin === null || this.#endOf(event) >= new Date(timeMin).getTime()));
    }
    const page = items.slice(offset, offset + maxResults);
    const more = offset + maxResults < items.length;
    return [
      200,
      {
        kind: 'calendar#events',
        etag: `"${snapshot}"`,
        summary: calendar.summary,
        // "Last modification time of the calendar" (Events resource): its latest change as of this listing.
        updated: this.#lastModified(calendar, snapshot),
        timeZone: calendar.timeZone,
        accessRole: calendar.accessRole,
        defaultReminders: [],
        ...(more ? { nextPageToken: Buffer.from(JSON.stringify({ snapshot, offset: offset + maxResults })).toString('base64url') } : { nextSyncToken: `tok.${calendar.resourceId}.${snapshot}.${this.#tokenEpoch}` }),
        items: page,
      },
    ];
  }

  #lastModified(calendar: FakeCalendar, snapshot: number): string {
    const latest = calendar.log.filter((version) => version.seq <= snapshot).at(-1);
    return latest?.event.updated ?? new Date(0).toISOString();
  }

  /** What an incremental sync says of a deleted event: a cancelled instance carries only its ids and original start. */
  #stub(event: FakeEvent): Json {
    if (event.recurringEventId) return { kind: 'calendar#event', etag: event.etag, id: event.id, status: 'cancelled', recurringEventId: event.recurringEventId, originalStartTime: event.originalStartTime ?? event.start };
    return { kind: 'calendar#event', etag: event.etag, id: event.id, status: 'cancelled', updated: event.updated };
  }

  #endOf(event: FakeEvent): number {
    const end = (event.end ?? event.start) as { date?: string; dateTime?: string } | undefined;
    return end?.dateTime ? new Date(end.dateTime).getTime() : end?.date ? new Date(`${end.date}T23:59:59Z`).getTime() : 0;
  }

  #watch(calendar: FakeCalendar, body: Json): [number, unknown] {
    const id = body.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) return [400, googleError(400, 'invalid', 'Invalid channel id')];
    if (body.type !== 'web_hook' && body.type !== 'webhook') return [400, googleError(400, 'invalid', 'Invalid channel type')];
    if (typeof body.address !== 'string') return [400, googleError(400, 'required', 'Required: address')];
    if ([...this.channels.values()].some((channel) => channel.id === id)) return [400, googleError(400, 'channelIdNotUnique', 'Channel id not unique')];
    if (typeof body.token === 'string' && body.token.length > 256) return [400, googleError(400, 'invalid', 'Channel token too long')];
    const now = this.#now().getTime();
    const requested = body.expiration === undefined ? now + MAX_TTL_MS : Number(body.expiration);
    const channel: FakeChannel = { id, calendarId: calendar.id, resourceId: calendar.resourceId, address: body.address, token: typeof body.token === 'string' ? body.token : undefined, expiration: Math.min(requested, now + MAX_TTL_MS), stopped: false, messageNumber: 0 };
    this.channels.set(id, channel);
    // Google confirms a new channel with a "sync" message before any change.
    this.#queuePush(channel, 'sync');
    return [200, { kind: 'api#channel', id, resourceId: channel.resourceId, resourceUri: `${GOOGLE_ORIGIN}/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?alt=json`, ...(channel.token !== undefined ? { token: channel.token } : {}), expiration: String(channel.expiration) }];
  }

  #stop(body: Json): [number, unknown] {
    const channel = typeof body.id === 'string' ? this.channels.get(body.id) : undefined;
    if (!channel || channel.resourceId !== body.resourceId || channel.stopped) return [404, googleError(404, 'notFound', `Channel '${String(body.id)}' not found for project`)];
    channel.stopped = true;
    return [204, ''];
  }

  #calendarList(): [number, unknown] {
    const items = [...this.#calendars.values()].filter((calendar) => !calendar.deleted).map((calendar) => ({
      kind: 'calendar#calendarListEntry',
      id: calendar.id,
      summary: calendar.summary,
      timeZone: calendar.timeZone,
      accessRole: calendar.accessRole,
      ...(calendar.primary ? { primary: true } : {}),
    }));
    return [200, { kind: 'calendar#calendarList', items }];
  }
}
