/**
 * The connector's recurring work (src/connectors/schedules.ts runs each on one worker at a time):
 * - `sync`: a backstop read of every followed calendar whatever the pushes did (Google's pushes
 *   are not guaranteed); an inbox entry per calendar and slot, read and decided like a push;
 * - `renew-channels`: hourly, replaces channels within a day of their end and stops retired ones.
 *   A failed pass (Google down, rate limited) throws and the next slot tries again: a renewal is
 *   never dropped silently, and a channel found already expired is simply replaced.
 */
import type { ConnectorSchedule, ScheduleContext } from '../../src/connectors/connector.ts';
import { renewChannels } from './channels.ts';
import { channelContext } from './install.ts';
import { SYNC_KIND } from './inbound.ts';
import type { Credentials, Settings } from './manifest.ts';
import { GcStateSchema } from './state.ts';

export const RENEW_EVERY_MS = 3_600_000;

async function backstopSync(ctx: ScheduleContext<Settings, Credentials>) {
  const state = GcStateSchema.parse(ctx.state());
  let received = 0;
  for (const calendar of ctx.settings.calendars) {
    if (state.calendars[calendar.id]?.goneAt) continue;
    const result = await ctx.receive({ kind: SYNC_KIND, dedupeKey: `sync:${calendar.id}:${ctx.dueAt.toISOString()}`, headers: {}, body: JSON.stringify({ calendarId: calendar.id }) });
    if (!result.duplicate) received++;
  }
  return { queued: received };
}

export const schedules: ConnectorSchedule<Settings, Credentials>[] = [
  { id: 'sync', everyMs: (settings) => settings.backstopSyncMinutes * 60_000, run: backstopSync },
  { id: 'renew-channels', everyMs: () => RENEW_EVERY_MS, run: async (ctx) => ({ changes: await renewChannels(channelContext(ctx)) }) },
];
