/**
 * Push channels (`events.watch`), one live per followed calendar. Google never renews a channel:
 * a new one is created before the old expires, then the old is stopped (`channels.stop` with its
 * id and resourceId) so two never notify side by side for long. Where others failed, and what
 * this does about it:
 * - Activepieces registered channels with no expiration: every watch here asks for one, and the
 *   renewal reads the expiration Google answered (it may be shorter than asked);
 * - Pipedream's renewals stopped silently: a failed renewal throws, the schedule retries it at its
 *   next run, and a channel found expired is simply replaced;
 * - webhookdb's orphaned channels piled up: a new channel is saved (with the old one retired)
 *   before the old is stopped, and every pass stops the retired ones, so a crash between the two
 *   leaves nothing running unknown;
 * - a deleted calendar answers 404 to watch: the calendar is marked gone, its channels stopped,
 *   and it is neither watched nor synced again until followed anew.
 * Channels are renewed only when they are within `RENEW_BEFORE_MS` of their end (no churn).
 *
 * Several processes may renew at once (the renewal schedule on one worker, a reconcile at another's start or
 * through the API): every change goes through `updateState` (the state as stored, under the row's lock), so a
 * sync cursor stored meanwhile is never overwritten, and a new channel is kept only if the channel it replaces
 * is still the live one — otherwise another process renewed first, and this one's new channel is retired and
 * stopped at once. One live channel per calendar afterwards, whoever raced.
 */
import { randomBytes } from 'node:crypto';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { CalendarApi } from './client.ts';
import type { CalendarState, ChannelState, GcState } from './state.ts';

/** Asked of Google: 7 days, its default and usual maximum for Calendar channels. */
export const CHANNEL_TTL_MS = 7 * 24 * 3_600_000;
/** A channel ending within this is replaced (the schedule runs every hour: several chances). */
export const RENEW_BEFORE_MS = 24 * 3_600_000;
export const CHANNEL_TOKEN_PURPOSE = 'channel-token';
export const PUSH_PATH = 'push';

export interface ChannelContext {
  api: CalendarApi;
  /** The state as last read or stored by this context. */
  state(): GcState;
  /** Changes the state as stored now (InstallationContext.updateState): `change` returns the next state, or undefined. */
  updateState(change: (current: GcState) => GcState | undefined): Promise<GcState>;
  seal(plaintext: string, purpose: string): string;
  /** `<publicUrl>/connectors/google-calendar/<installation>/push`. */
  address: string;
  installationId: string;
  now(): Date;
}

/** Channel ids are ours to choose (≤ 64 characters): the installation's id makes a push easy to route and an orphan easy to recognize. */
export const newChannelId = (installationId: string) => `hub-${installationId}-${randomBytes(9).toString('base64url')}`.slice(0, 64);

const due = (channel: ChannelState | null, now: Date) => channel === null || (channel.expiration ?? new Date(channel.createdAt).getTime() + CHANNEL_TTL_MS) - now.getTime() < RENEW_BEFORE_MS;

async function stopQuietly(api: CalendarApi, channel: ChannelState): Promise<'stopped' | 'gone'> {
  try {
    await api.stopChannel({ id: channel.id, resourceId: channel.resourceId });
    return 'stopped';
  } catch (error) {
    // Already expired or stopped: Google answers 404; nothing left to stop.
    if (error instanceof ExternalSystemError && error.kind === 'not-found') return 'gone';
    throw error;
  }
}

async function update(ctx: ChannelContext, calendarId: string, change: (calendar: CalendarState) => CalendarState | undefined): Promise<void> {
  await ctx.updateState((state) => {
    const calendar = state.calendars[calendarId];
    const next = calendar && change(calendar);
    return next && { ...state, calendars: { ...state.calendars, [calendarId]: next } };
  });
}

/** One pass over the followed calendars: create or replace channels that are missing or ending, stop retired ones. */
export async function renewChannels(ctx: ChannelContext, options: { force?: boolean } = {}): Promise<string[]> {
  const changes: string[] = [];
  // The calendars as stored now: another process may have renewed since this context was read.
  const stored = await ctx.updateState(() => undefined);
  for (const [calendarId, calendar] of Object.entries(stored.calendars)) {
    if (calendar.goneAt !== null) {
      // Gone at Google (a sync read 404): its channel ends here, and nothing is watched again.
      await update(ctx, calendarId, (current) => (current.channel ? { ...current, channel: null, retired: [...current.retired, current.channel] } : undefined));
      changes.push(...(await stopRetired(ctx, calendarId)));
      continue;
    }
    if (options.force || due(calendar.channel, ctx.now())) {
      const replaced = calendar.channel;
      const token = randomBytes(24).toString('base64url');
      const id = newChannelId(ctx.installationId);
      let watched;
      try {
        watched = await ctx.api.watch(calendarId, { id, token, address: ctx.address, expiration: ctx.now().getTime() + CHANNEL_TTL_MS });
      } catch (error) {
        if (error instanceof ExternalSystemError && error.kind === 'not-found') {
          await update(ctx, calendarId, (current) => ({ ...current, goneAt: ctx.now().toISOString(), retired: [...current.retired, ...(current.channel ? [current.channel] : [])], channel: null }));
          changes.push(`calendar ${calendarId} no longer exists at Google (404): no longer followed`, ...(await stopRetired(ctx, calendarId)));
          continue;
        }
        throw error;
      }
      const fresh: ChannelState = { id: watched.id, resourceId: watched.resourceId, expiration: watched.expiration, tokenSealed: ctx.seal(token, `${CHANNEL_TOKEN_PURPOSE}:${watched.id}`), createdAt: ctx.now().toISOString() };
      let kept = false as boolean;
      // Saved before the old one is stopped: pushes on the new channel verify at once, and a crash here leaves
      // the old one retired, to be stopped by the next pass. If the live channel is no longer the one this pass
      // replaced, another process renewed meanwhile: its channel stays, this one is retired.
      await update(ctx, calendarId, (current) => {
        kept = current.channel?.id === replaced?.id;
        return kept ? { ...current, channel: fresh, retired: [...current.retired, ...(current.channel ? [current.channel] : [])] } : { ...current, retired: [...current.retired, fresh] };
      });
      // The calendar stopped being followed meanwhile (a reconcile elsewhere): the new channel is nobody's.
      if (!kept && !ctx.state().calendars[calendarId]?.retired.some((channel) => channel.id === fresh.id)) await stopQuietly(ctx.api, fresh);
      changes.push(
        kept
          ? `${replaced ? 'renewed' : 'created'} channel for calendar ${calendarId} (until ${watched.expiration ? new Date(watched.expiration).toISOString() : 'Google\'s default'})`
          : `channel for calendar ${calendarId} renewed by another process meanwhile: ${fresh.id} retired`,
      );
    }
    changes.push(...(await stopRetired(ctx, calendarId)));
  }
  return changes;
}

async function stopRetired(ctx: ChannelContext, calendarId: string): Promise<string[]> {
  const changes: string[] = [];
  for (const channel of ctx.state().calendars[calendarId]?.retired ?? []) {
    const result = await stopQuietly(ctx.api, channel);
    await update(ctx, calendarId, (current) => ({ ...current, retired: current.retired.filter((other) => other.id !== channel.id) }));
    changes.push(result === 'stopped' ? `stopped channel ${channel.id}` : `channel ${channel.id} had already ended`);
  }
  return changes;
}

/** Uninstall and unfollow: stop every channel of the calendars given (all by default). */
export async function stopAllChannels(ctx: ChannelContext, calendarIds?: string[]): Promise<{ changes: string[]; problems: string[] }> {
  const changes: string[] = [];
  const problems: string[] = [];
  for (const calendarId of Object.keys(ctx.state().calendars)) {
    if (calendarIds && !calendarIds.includes(calendarId)) continue;
    await update(ctx, calendarId, (current) => (current.channel ? { ...current, channel: null, retired: [...current.retired, current.channel] } : undefined));
    try {
      changes.push(...(await stopRetired(ctx, calendarId)));
    } catch (error) {
      problems.push(`channel of calendar ${calendarId} could not be stopped: ${error instanceof Error ? error.message : String(error)} (it ends by itself within 7 days)`);
    }
  }
  return { changes, problems };
}

/** The channel a push names, live or retired (a push can race its channel's replacement). */
export function findChannel(state: GcState, channelId: string): { calendarId: string; channel: ChannelState } | undefined {
  for (const [calendarId, calendar] of Object.entries(state.calendars)) {
    for (const channel of [calendar.channel, ...calendar.retired]) if (channel?.id === channelId) return { calendarId, channel };
  }
  return undefined;
}
