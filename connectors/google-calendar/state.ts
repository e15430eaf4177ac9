import { z } from 'zod';

/** A push channel the hub holds at Google for one calendar. The token is sealed (vault, purpose `channel-token`). */
export const ChannelStateSchema = z.object({
  id: z.string(),
  resourceId: z.string(),
  /** ms since the epoch, as Google answered; null if Google gave none (then: renewed after the default 7 days). */
  expiration: z.number().nullable(),
  tokenSealed: z.string(),
  createdAt: z.string(),
});
export type ChannelState = z.infer<typeof ChannelStateSchema>;

export const CalendarStateSchema = z.object({
  name: z.string(),
  timeZone: z.string(),
  /** `nextSyncToken` of the last complete sync (last page only); null: the next sync is a full one. */
  syncToken: z.string().nullable().default(null),
  lastSyncAt: z.string().nullable().default(null),
  /** The live channel; renewal replaces it. */
  channel: ChannelStateSchema.nullable().default(null),
  /** Channels being replaced or left by a crash: stopped by the next renewal pass, still accepted until then. */
  retired: z.array(ChannelStateSchema).default([]),
  /** Set when Google answers 404 for the calendar (deleted, unshared): its channel ends and it is no longer synced. */
  goneAt: z.string().nullable().default(null),
});
export type CalendarState = z.infer<typeof CalendarStateSchema>;

/**
 * The installation's state: per followed calendar, its sync cursor and channels. Lives on the
 * installation row: survives restarts and re-installs (a revived installation resumes its tokens).
 */
export const GcStateSchema = z.object({ calendars: z.record(z.string(), CalendarStateSchema).default({}) }).loose();
export type GcState = z.infer<typeof GcStateSchema>;
