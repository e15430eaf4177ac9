import { z } from 'zod';
import { defineManifest } from '../../src/connectors/manifest.ts';
import { OAuthTokensSchema } from '../../src/connectors/oauth/schema.ts';
import { appointmentEvents } from './event-types.ts';

export const GOOGLE_SCOPES = [
  // Read and change events (the confirmation mark, the booking actions) and watch them.
  'https://www.googleapis.com/auth/calendar.events',
  // calendarList: which calendars the account has (the admin chooses which to follow) and their time zones.
  'https://www.googleapis.com/auth/calendar.readonly',
] as const;

const CalendarRefSchema = z.object({ id: z.string().min(1).max(254), name: z.string().max(200), timeZone: z.string().max(64) }).strict();

export const SettingsSchema = z
  .object({
    account: z.string().describe('The Google account (its primary calendar\'s address); read-only: install again for another account.'),
    calendars: z.array(CalendarRefSchema).min(1).max(20).describe('The calendars followed; each event of theirs with a customer becomes an appointment.'),
    phoneRegion: z.string().regex(/^[A-Z]{2}$/).default('FR').describe('Country national phone numbers typed in events are read in ("06 12 34 56 78" in FR).'),
    backstopSyncMinutes: z.number().int().min(1).max(60).default(5).describe('How often the hub reads the calendars whatever the push notifications say (Google does not guarantee them).'),
  })
  .strict();
export type Settings = z.output<typeof SettingsSchema>;

const InstallInputSchema = z
  .object({
    calendars: z.array(z.string().min(1).max(254)).min(1).max(20).optional().describe('Ids of the calendars to follow (GET the account\'s list after install, or "primary"); default: the account\'s primary calendar.'),
    phoneRegion: z.string().regex(/^[A-Z]{2}$/).optional(),
    backstopSyncMinutes: z.number().int().min(1).max(60).optional(),
  })
  .strict();
export type InstallInput = z.output<typeof InstallInputSchema>;

export const CredentialsSchema = OAuthTokensSchema;
export type Credentials = z.output<typeof CredentialsSchema>;

export const manifest = defineManifest({
  id: 'google-calendar',
  name: 'Google Calendar',
  description: 'Appointments of Google calendars (a salon, a clinic, a garage): reminders by SMS that follow the calendar when an appointment moves or is cancelled, and OUI/NON replies written back to the event.',
  auth: 'oauth2',
  oauth: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revokeUrl: 'https://oauth2.googleapis.com/revoke',
    scopes: GOOGLE_SCOPES,
    // A refresh token is only given with offline access, and again on later consents only with prompt=consent.
    authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    clientSetupDocs: 'docs/connectors/google-calendar.md#the-google-oauth-client',
  },
  installInput: InstallInputSchema,
  settings: SettingsSchema,
  credentials: CredentialsSchema,
  emits: appointmentEvents.map((entry) => entry.type),
  eventTypes: appointmentEvents,
  readyRules: false,
  docs: 'docs/connectors/google-calendar.md',
});
