/**
 * Install (after the hub's OAuth flow) and reconcile. `oauth.accountOf` lists the account's
 * calendars with the new grant: the primary calendar's id is the account's address (one
 * installation per tenant and Google account), and the calendars asked for must exist and be
 * writable (the confirmation is written into the event). Reconcile keeps one live channel per
 * followed calendar (channels.ts) and forgets calendars no longer followed, stopping their channels.
 */
import type { AuthorizedInstallContext, InstallationContext, JsonObject, ReconcileReport, RemoteResource } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { authorizedApi } from './authorized-api.ts';
import { PUSH_PATH, renewChannels, stopAllChannels, type ChannelContext } from './channels.ts';
import type { Credentials, InstallInput, Settings } from './manifest.ts';
import { CalendarStateSchema, GcStateSchema, type GcState } from './state.ts';

type Context = InstallationContext<Settings, Credentials>;

export async function accountOf(input: InstallInput, ctx: AuthorizedInstallContext): Promise<{ account: string; settings: Settings }> {
  const calendars = await authorizedApi(ctx.auth).listCalendars();
  const primary = calendars.find((calendar) => calendar.primary) ?? calendars.find((calendar) => calendar.accessRole === 'owner');
  if (!primary) throw new ExternalSystemError('refused', 'This Google account has no calendar of its own: sign in with the account that owns the calendar.');
  const previous = ctx.existing?.settings as Partial<Settings> | undefined;
  const wanted = input.calendars ?? previous?.calendars?.map((calendar) => calendar.id) ?? [primary.id];
  const chosen = wanted.map((id) => {
    const calendar = calendars.find((candidate) => candidate.id === id || (id === 'primary' && candidate === primary));
    if (!calendar) {
      throw new ExternalSystemError('refused', `The Google account ${primary.id} has no calendar "${id}". Its calendars: ${calendars.map((candidate) => `${candidate.summaryOverride ?? candidate.summary ?? candidate.id} (${candidate.id})`).join(', ')}.`, { field: 'calendars' });
    }
    if (calendar.accessRole !== 'owner' && calendar.accessRole !== 'writer') {
      throw new ExternalSystemError('refused', `The calendar "${calendar.summary ?? calendar.id}" is shared read-only with ${primary.id}: the hub writes the customers' answers into events. Share it with "Make changes to events", or sign in with its owner.`, { field: 'calendars' });
    }
    return { id: calendar.id, name: (calendar.summaryOverride ?? calendar.summary ?? calendar.id).slice(0, 200), timeZone: calendar.timeZone ?? 'Europe/Paris' };
  });
  return {
    account: primary.id.toLowerCase(),
    settings: {
      account: primary.id.toLowerCase(),
      calendars: chosen,
      phoneRegion: input.phoneRegion ?? previous?.phoneRegion ?? 'FR',
      backstopSyncMinutes: input.backstopSyncMinutes ?? previous?.backstopSyncMinutes ?? 5,
    },
  };
}

export function channelContext(ctx: Context): ChannelContext {
  return {
    api: authorizedApi(ctx.auth),
    state: () => GcStateSchema.parse(ctx.state()),
    updateState: async (change: (current: GcState) => GcState | undefined) =>
      GcStateSchema.parse(await ctx.updateState((current) => change(GcStateSchema.parse(current)) as unknown as JsonObject | undefined)),
    seal: (plaintext, purpose) => ctx.seal(plaintext, purpose),
    address: ctx.publicUrl(PUSH_PATH),
    installationId: ctx.installation.id,
    now: () => new Date(),
  };
}

export async function reconcile(ctx: Context): Promise<ReconcileReport> {
  const channels = channelContext(ctx);
  const followed = new Set(ctx.settings.calendars.map((calendar) => calendar.id));
  const changes: string[] = [];
  const unfollowed = Object.keys((await channels.updateState(() => undefined)).calendars).filter((id) => !followed.has(id));
  if (unfollowed.length > 0) {
    const stopped = await stopAllChannels(channels, unfollowed);
    await channels.updateState((state) => ({ ...state, calendars: Object.fromEntries(Object.entries(state.calendars).filter(([id]) => !unfollowed.includes(id))) }));
    changes.push(...stopped.changes, ...unfollowed.map((id) => `calendar ${id} no longer followed`));
  }
  await channels.updateState((state) => {
    const calendars = { ...state.calendars };
    for (const calendar of ctx.settings.calendars) {
      const known = calendars[calendar.id];
      // Following a calendar again after Google said it was gone: try it afresh (its token too).
      calendars[calendar.id] = known && known.goneAt === null ? { ...known, name: calendar.name, timeZone: calendar.timeZone } : CalendarStateSchema.parse({ name: calendar.name, timeZone: calendar.timeZone });
      if (!known) changes.push(`following calendar ${calendar.name} (${calendar.id})`);
    }
    return { ...state, calendars };
  });
  changes.push(...(await renewChannels(channels)));
  return { changes };
}

export async function uninstall(ctx: Context): Promise<ReconcileReport> {
  return stopAllChannels(channelContext(ctx));
}

export function remoteResources(state: JsonObject): RemoteResource[] {
  const parsed = GcStateSchema.safeParse(state);
  if (!parsed.success) return [];
  return Object.entries(parsed.data.calendars).map(([id, calendar]) => ({
    kind: 'push channel',
    name: `${calendar.name} (${id})`,
    externalId: calendar.channel?.id ?? null,
    status: calendar.goneAt ? `calendar gone at Google since ${calendar.goneAt}` : calendar.channel ? `active until ${calendar.channel.expiration ? new Date(calendar.channel.expiration).toISOString() : 'Google\'s default'}` : 'missing (created by the next reconcile or renewal)',
  }));
}
