/**
 * A small OAuth connector for the platform's tests, shaped like Google Calendar's: it signs in with the
 * authorization code flow, learns its account after the token exchange, receives body-less notifications, reads
 * what changed in a fetch step (outside the transaction) and decides in handle, runs a schedule, and has an action.
 * It talks to test/support/oauth-server.ts (its API under /api, the account under /userinfo).
 */
import { defineEventType } from '../../src/bus/catalog/define.ts';
import { defineAction } from '../../src/connectors/action.ts';
import { defineConnector, type Fetched, type Outcome } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { defineManifest } from '../../src/connectors/manifest.ts';
import { OAuthTokensSchema } from '../../src/connectors/oauth/schema.ts';
import { z } from 'zod';

export const DEMO_OAUTH = 'demo-oauth';

const Settings = z.object({ apiUrl: z.string().url(), label: z.string().default('') }).strict();
type Settings = z.output<typeof Settings>;

async function call(url: string, accessToken: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  if (response.status === 401) throw new ExternalSystemError('auth', `the demo API refused the token (401)`, { status: 401 });
  if (!response.ok) throw new ExternalSystemError('server', `the demo API failed (${response.status})`, { status: response.status });
  return (await response.json()) as Record<string, unknown>;
}

/** What the tests observe of the fetch step: was a transaction open on the hub's store when it ran? (It must not be.) */
export const fetchObservations: { inboxId: string; at: number }[] = [];

const manifest = defineManifest({
  id: DEMO_OAUTH,
  name: 'Demo OAuth',
  description: 'A test connector on a local authorization server.',
  auth: 'oauth2',
  oauth: {
    // Replaced in tests by the local server's (createHub's oauthEndpoints), or moved to the server the install input
    // chooses (`authServer`): the paths are the local server's.
    authorizeUrl: 'https://accounts.example.invalid/authorize',
    tokenUrl: 'https://oauth2.example.invalid/token',
    revokeUrl: 'https://oauth2.example.invalid/revoke',
    scopes: ['things.read', 'things.write'],
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
    clientSetupDocs: 'docs/connectors/contract.md#oauth-20-the-authorization-code-flow-with-pkce-srcconnectorsoauth',
  },
  installInput: z.object({ apiUrl: z.string().url(), label: z.string().optional(), authServer: z.string().optional() }).strict(),
  settings: Settings,
  credentials: OAuthTokensSchema,
  emits: ['demo.thing_changed'],
  eventTypes: [
    defineEventType({
      type: 'demo.thing_changed',
      title: 'Demo thing changed',
      description: 'A thing changed in the demo system (test connector).',
      data: z.object({ thingId: z.string(), name: z.string(), version: z.number() }),
      example: { thingId: 'thing-1', name: 'Coupe Mme Dupont', version: 3 },
    }),
  ],
  docs: 'docs/connectors/contract.md',
});

export const demoOAuthConnector = defineConnector({
  manifest,
  oauth: {
    async accountOf(input, ctx) {
      const who = await call(`${input.apiUrl.replace(/\/+$/, '')}/userinfo`, await ctx.auth.accessToken());
      if (typeof who.email !== 'string') throw new ExternalSystemError('invalid-response', 'no email in userinfo');
      return { account: who.email, settings: ctx.existing ? Settings.parse(ctx.existing.settings) : { apiUrl: input.apiUrl.replace(/\/+$/, ''), label: input.label ?? '' } };
    },
    // Like Salesforce's sandbox or My Domain: the install chooses the authorization server.
    authorizationServer: (input) => (input.authServer === undefined ? undefined : { url: input.authServer, field: 'authServer' }),
  },
  async reconcile(ctx) {
    const state = ctx.state();
    if (state.channel) return { changes: [] };
    await ctx.saveState({ ...state, channel: { id: 'chan-1', createdAt: new Date().toISOString() } });
    return { changes: ['created channel chan-1'] };
  },
  async uninstall(ctx) {
    await ctx.saveState({ ...ctx.state(), channel: null });
    return { changes: ['stopped channel chan-1'] };
  },
  remoteResources: (state) => (state.channel ? [{ kind: 'channel', name: 'things', externalId: (state.channel as { id: string }).id, status: 'active' }] : []),
  async routes(app, runtime) {
    app.post('/:installationId/notify', async (request, reply) => {
      const { installationId } = request.params as { installationId: string };
      const installation = await runtime.findInstallation(installationId);
      if (!installation || installation.status === 'uninstalled') return reply.code(404).send({ error: 'unknown installation' });
      const number = String(request.headers['x-message-number'] ?? '');
      if (!/^\d+$/.test(number)) return reply.code(400).send({ error: 'x-message-number' });
      await runtime.receive(installation, { kind: 'notification', dedupeKey: `notification:${number}`, headers: { 'x-message-number': number }, body: '' });
      return reply.code(200).send();
    });
  },
  async fetch(delivery, ctx): Promise<Fetched | undefined> {
    if (delivery.kind !== 'notification') return undefined;
    fetchObservations.push({ inboxId: delivery.id, at: Date.now() });
    const settings = ctx.settings as Settings;
    const body = await ctx.auth!.withToken((token) => call(`${settings.apiUrl}/api/changes`, token));
    const cursor = Number((ctx.state().cursor as number | undefined) ?? 0) + 1;
    return { data: { items: body.items as never }, state: { cursor } };
  },
  async handle(delivery, ctx): Promise<Outcome> {
    const items = ((delivery.fetched as { items?: { id: string; name: string; version: number }[] } | undefined)?.items ?? []);
    const events = [];
    for (const item of items) {
      const seen = (await ctx.memory.get(`thing:${item.id}`)) as { version: number } | undefined;
      if (seen && seen.version >= item.version) continue;
      await ctx.memory.set(`thing:${item.id}`, { version: item.version });
      events.push({ type: 'demo.thing_changed', key: `thing:${item.id}:${item.version}`, data: { thingId: item.id, name: item.name, version: item.version } });
    }
    return { status: events.length > 0 ? 'processed' : 'ignored', events, ...(events.length === 0 ? { note: 'nothing new' } : {}) };
  },
  schedules: [
    {
      id: 'tick',
      everyMs: () => 60_000,
      async run(ctx) {
        const settings = ctx.settings as Settings;
        const body = await ctx.auth!.withToken((token) => call(`${settings.apiUrl}/api/tick?due=${ctx.dueAt.getTime()}&pid=${process.pid}`, token));
        return { account: body.account as string };
      },
    },
  ],
  actions: [
    defineAction({
      id: 'whoami',
      title: 'Who am I',
      description: 'Calls the demo API with the installation\'s token.',
      input: z.object({}).strict(),
      async run(_input, ctx) {
        const settings = ctx.settings as Settings;
        const body = await ctx.auth!.withToken((token) => call(`${settings.apiUrl}/api/whoami`, token));
        return { account: body.account as string };
      },
    }),
  ],
});
