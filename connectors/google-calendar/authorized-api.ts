/**
 * The Calendar API with the installation's authorized client: every call gets a valid access token
 * from the hub (refreshed before expiry, and once on a 401, single-flight across processes), so the
 * sync, the channels and the actions never handle tokens.
 */
import type { AuthorizedClient } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { googleCalendarApi, type CalendarApi } from './client.ts';

export function authorizedApi(auth: AuthorizedClient | undefined): CalendarApi {
  if (!auth) throw new ExternalSystemError('auth', 'This Google Calendar installation has no OAuth grant: connect the Google account again.');
  const api = <T>(call: (api: CalendarApi) => Promise<T>) => auth.withToken((token) => call(googleCalendarApi(token)));
  return {
    listEvents: (...args) => api((calendar) => calendar.listEvents(...args)),
    watch: (...args) => api((calendar) => calendar.watch(...args)),
    stopChannel: (...args) => api((calendar) => calendar.stopChannel(...args)),
    getEvent: (...args) => api((calendar) => calendar.getEvent(...args)),
    patchEvent: (...args) => api((calendar) => calendar.patchEvent(...args)),
    insertEvent: (...args) => api((calendar) => calendar.insertEvent(...args)),
    deleteEvent: (...args) => api((calendar) => calendar.deleteEvent(...args)),
    listCalendars: () => api((calendar) => calendar.listCalendars()),
  };
}
