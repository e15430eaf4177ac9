/**
 * Google Calendar API v3 shapes the connector reads, as Google documents them
 * (developers.google.com/workspace/calendar/api/v3/reference/events, …/channels): only the fields
 * used, everything else passes through. `loose` because Google adds fields without notice.
 */
import { z } from 'zod';

/** `date` for all-day events ("2026-12-07"), else `dateTime` (RFC 3339 with an offset) and optionally the zone it was entered in. */
export const EventDateTimeSchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    dateTime: z.string().optional(),
    timeZone: z.string().optional(),
  })
  .loose();
export type EventDateTime = z.infer<typeof EventDateTimeSchema>;

export const AttendeeSchema = z
  .object({
    id: z.string().optional(),
    email: z.string().optional(),
    displayName: z.string().optional(),
    organizer: z.boolean().optional(),
    self: z.boolean().optional(),
    resource: z.boolean().optional(),
    optional: z.boolean().optional(),
    responseStatus: z.enum(['needsAction', 'declined', 'tentative', 'accepted']).optional(),
    comment: z.string().optional(),
  })
  .loose();
export type Attendee = z.infer<typeof AttendeeSchema>;

/**
 * An event resource. In an incremental sync a deleted event, or a cancelled instance of a
 * recurring one, may carry only `id`, `status: "cancelled"` (and `recurringEventId`,
 * `originalStartTime` for instances): every other field is optional here.
 */
export const GoogleEventSchema = z
  .object({
    kind: z.literal('calendar#event').optional(),
    etag: z.string().optional(),
    id: z.string().min(1),
    status: z.enum(['confirmed', 'tentative', 'cancelled']).optional(),
    htmlLink: z.string().optional(),
    created: z.string().optional(),
    updated: z.string().optional(),
    summary: z.string().optional(),
    description: z.string().optional(),
    location: z.string().optional(),
    colorId: z.string().optional(),
    creator: z.object({ email: z.string().optional(), displayName: z.string().optional(), self: z.boolean().optional() }).loose().optional(),
    organizer: z.object({ email: z.string().optional(), displayName: z.string().optional(), self: z.boolean().optional() }).loose().optional(),
    start: EventDateTimeSchema.optional(),
    end: EventDateTimeSchema.optional(),
    recurringEventId: z.string().optional(),
    originalStartTime: EventDateTimeSchema.optional(),
    attendees: z.array(AttendeeSchema).optional(),
    extendedProperties: z.object({ private: z.record(z.string(), z.string()).optional(), shared: z.record(z.string(), z.string()).optional() }).loose().optional(),
    sequence: z.number().optional(),
    eventType: z.string().optional(),
  })
  .loose();
export type GoogleEvent = z.infer<typeof GoogleEventSchema>;

/** One page of `events.list`; `nextSyncToken` only on the last page, `nextPageToken` on the others. */
export const EventsPageSchema = z
  .object({
    kind: z.literal('calendar#events').optional(),
    summary: z.string().optional(),
    timeZone: z.string().optional(),
    updated: z.string().optional(),
    nextPageToken: z.string().optional(),
    nextSyncToken: z.string().optional(),
    items: z.array(z.unknown()).default([]),
  })
  .loose();
export type EventsPage = z.infer<typeof EventsPageSchema>;

/** `events.watch`'s answer. `expiration` is an int64: JSON carries it as a string of milliseconds. */
export const ChannelSchema = z
  .object({
    kind: z.literal('api#channel').optional(),
    id: z.string(),
    resourceId: z.string(),
    resourceUri: z.string().optional(),
    token: z.string().optional(),
    expiration: z.union([z.string().regex(/^\d+$/), z.number()]).optional(),
  })
  .loose();

/** An entry of `calendarList.list`. */
export const CalendarListEntrySchema = z
  .object({
    id: z.string(),
    summary: z.string().optional(),
    summaryOverride: z.string().optional(),
    timeZone: z.string().optional(),
    accessRole: z.enum(['freeBusyReader', 'reader', 'writer', 'owner']).optional(),
    primary: z.boolean().optional(),
    deleted: z.boolean().optional(),
  })
  .loose();
export type CalendarListEntry = z.infer<typeof CalendarListEntrySchema>;

export const CalendarListPageSchema = z
  .object({ nextPageToken: z.string().optional(), items: z.array(CalendarListEntrySchema).default([]) })
  .loose();
