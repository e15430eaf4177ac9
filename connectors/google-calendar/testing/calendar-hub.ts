/**
 * A live hub with the Google Calendar connector, for the connector's end-to-end tests: the local authorization
 * server (test/support/oauth-server.ts) plays Google's OAuth endpoints, the nock fake (fake-google.ts) plays the
 * Calendar API and accepts the tokens that server issued, and the OAuth install runs through a browser as a
 * receptionist's would. Google's pushes go to the hub's public URL (its real port).
 */
import { DateTime } from 'luxon';
import nock from 'nock';
import { expect } from 'vitest';
import { TestBrowser } from '../../../test/support/browser.ts';
import { startTestHub, type TestHub, type TestHubMode } from '../../../test/support/hub.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../../test/support/oauth-server.ts';
import { freePort } from '../../../test/support/processes.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { isSendAllowed, DEFAULT_QUIET_HOURS_POLICY } from '../../../src/sending/compliance/quiet-hours.ts';
import { FakeGoogleCalendar } from './fake-google.ts';

export const CONNECTOR = 'google-calendar';
export const ACCOUNT = 'salon.dupont@example.com';
export const ZONE = 'Europe/Paris';

export interface CalendarHub {
  hub: TestHub;
  oauth: OAuthTestServer;
  google: FakeGoogleCalendar;
  close(): Promise<void>;
}

/** The fake's check of a bearer token: what the local authorization server says of it (its /userinfo). */
export const tokenCheckAt = (oauth: OAuthTestServer) => async (token: string) => (await fetch(`${oauth.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } })).ok;

export async function startCalendarHub(mode: TestHubMode = 'embedded'): Promise<CalendarHub> {
  const oauth = await startOAuthTestServer();
  oauth.consent.account = ACCOUNT;
  const google = new FakeGoogleCalendar({ acceptToken: tokenCheckAt(oauth) });
  google.addCalendar(ACCOUNT, { summary: 'Salon Dupont', primary: true });
  // Nothing leaves for the real Google: only the hub, the authorization server and nock answer.
  nock.disableNetConnect();
  nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
  const port = await freePort();
  const hub = await startTestHub(
    mode,
    { PORT: String(port), HUB_PUBLIC_URL: `http://127.0.0.1:${port}`, HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID: oauth.clientId, HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_SECRET: oauth.clientSecret },
    { hub: { oauthEndpoints: { [CONNECTOR]: { authorizeUrl: `${oauth.url}/authorize`, tokenUrl: `${oauth.url}/token`, revokeUrl: `${oauth.url}/revoke` } } } },
  );
  oauth.allowRedirect(`${hub.url}/connectors/${CONNECTOR}/oauth/callback`);
  return {
    hub,
    oauth,
    google,
    async close() {
      await hub.close();
      await oauth.close();
      google.close();
      nock.enableNetConnect();
    },
  };
}

/** The admin's install: POST …/installations, then the browser through Google's consent; the installation's id. */
export async function installThroughOAuth(hub: TestHub, input: Record<string, unknown> = { calendars: ['primary'] }): Promise<string> {
  const start = await hub.api(`/v1/connectors/${CONNECTOR}/installations`, { body: input });
  expect(start.status, JSON.stringify(start.body)).toBe(202);
  const page = await new TestBrowser().follow(start.body.authorizationUrl as string);
  expect(page.status, page.body).toBe(200);
  expect(page.body).toContain('Google Calendar is connected');
  const listed = (await hub.api(`/v1/connectors/${CONNECTOR}/installations`)).body.items as { id: string; account: string; status: string }[];
  const installation = listed.find((item) => item.account === ACCOUNT);
  expect(installation?.status).toBe('active');
  return installation!.id;
}

/** The installation's inbox, newest first (its status page). */
export async function deliveries(hub: TestHub, installationId: string): Promise<{ id: string; kind: string; status: string; note: string | null; events: { type: string; duplicate: boolean }[] }[]> {
  return (await hub.api(`/v1/connectors/${CONNECTOR}/installations/${installationId}`)).body.lastDeliveries;
}

/** Waits until every inbox entry of the installation is processed (or ignored). */
export async function settled(hub: TestHub, installationId: string): Promise<void> {
  await waitFor(async () => (await deliveries(hub, installationId)).every((entry) => entry.status !== 'pending'), 'the inbox to be processed');
}

export interface PublishedEvent {
  id: string;
  type: string;
  occurredAt: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read nested fields of several event types
  data: Record<string, any>;
  subject: { contactId?: string };
}

export async function published(hub: TestHub, type: string): Promise<PublishedEvent[]> {
  return ((await hub.api(`/v1/events?type=${type}&limit=100`)).body.items as PublishedEvent[]).reverse();
}

/** A local date, at least `daysAhead` days from now, whose 18:00 in Paris is an allowed sending time (no Sunday, no holiday). */
export function workingDay(daysAhead: number): DateTime {
  let day = DateTime.now().setZone(ZONE).startOf('day').plus({ days: daysAhead });
  while (!isSendAllowed(day.set({ hour: 18 }).toJSDate(), ZONE, DEFAULT_QUIET_HOURS_POLICY)) day = day.plus({ days: 1 });
  return day;
}

/** A Google event's start/end pair at a local time of `day`, `minutes` long, as Google Calendar writes them. */
export function slot(day: DateTime, time: string, minutes = 45): { start: { dateTime: string; timeZone: string }; end: { dateTime: string; timeZone: string } } {
  const [hour, minute] = time.split(':').map(Number);
  const start = day.set({ hour: hour!, minute: minute! });
  return {
    start: { dateTime: start.toISO({ suppressMilliseconds: true })!, timeZone: ZONE },
    end: { dateTime: start.plus({ minutes }).toISO({ suppressMilliseconds: true })!, timeZone: ZONE },
  };
}
