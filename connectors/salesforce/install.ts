/**
 * Install (after the hub's OAuth flow) and reconcile.
 *
 * The org signs in at the server the admin chose (`authorizationServer`: production, sandbox or My Domain). The
 * token answer carries `instance_url` (where the org's API lives) and `id`, the identity URL
 * `https://login.salesforce.com/id/<org id>/<user id>`: `oauth.accountOf` reads the identity URL with the new token
 * (who signed in, in which org) and the org id, in its 18-character form, becomes the installation's account (one
 * installation per tenant and org; reconnecting with another org is refused by the hub).
 *
 * Nothing is registered in Salesforce by the hub: the admin points Outbound Messages at the installation's endpoint
 * (shown by remoteResources) from a Flow. Reconcile checks the API answers for the connected user.
 */
import { z } from 'zod';
import { randomBase62 } from '../../src/ids.ts';
import type { AuthorizedInstallContext, InstallationContext, JsonObject, ReconcileReport, RemoteResource } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { instanceUrlOf, salesforceApi, salesforceUrl } from './client.ts';
import { id18 } from './ids.ts';
import { CANVAS_PATH } from './canvas-page.ts';
import { OUTBOUND_MESSAGE_PATH } from './outbound-message.ts';
import { startedCursors } from './poll.ts';
import { LOGIN_SERVERS, SettingsSchema, type Credentials, type InstallInput, type Settings } from './manifest.ts';

type Context = InstallationContext<Settings, Credentials>;

/** The path of the identity URL: /id/<org id>/<user id>. */
const IDENTITY_PATH = /^\/id\/(00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)\/(005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)\/?$/;

/** What the identity URL answers (the fields the connector reads). */
const IdentitySchema = z.object({
  organization_id: z.string(),
  user_id: z.string(),
  username: z.string().min(1).max(200),
  display_name: z.string().max(200).optional(),
});

/** The server the org signs in at: production is the manifest's own. */
export function authorizationServer(input: InstallInput): { url: string; field: string } | undefined {
  if (input.environment === 'sandbox') return { url: LOGIN_SERVERS.sandbox, field: 'environment' };
  if (input.environment === 'my-domain') return { url: input.myDomainUrl!, field: 'myDomainUrl' };
  return undefined;
}

export async function accountOf(input: InstallInput, ctx: AuthorizedInstallContext): Promise<{ account: string; settings: Settings }> {
  const identityUrl = salesforceUrl(ctx.tokens.extra.id, 'identity URL (id)');
  // Checked now, so a token answer the hub could never use is refused before anything is stored.
  instanceUrlOf(ctx.tokens.extra);
  const path = IDENTITY_PATH.exec(identityUrl.pathname);
  if (!path) throw new ExternalSystemError('invalid-response', `Salesforce's identity URL ${identityUrl.toString()} does not name an org and a user.`);
  const who = IdentitySchema.safeParse(await salesforceApi(ctx.auth, ctx.network).identity(identityUrl.toString()));
  if (!who.success) throw new ExternalSystemError('invalid-response', 'Salesforce\'s identity URL did not answer who signed in (organization_id, user_id, username).');
  const organizationId = id18(path[1]!)!;
  if (id18(who.data.organization_id) !== organizationId) throw new ExternalSystemError('invalid-response', `Salesforce's identity answer names org ${who.data.organization_id}, its URL org ${path[1]}.`);
  const previous = ctx.existing?.settings as Partial<Settings> | undefined;
  return {
    account: organizationId,
    // The settings kept from before (a reconnect), the defaults of the schema for the rest.
    settings: SettingsSchema.parse({ ...previous, organizationId, username: who.data.username, environment: input.environment, phoneRegion: input.phoneRegion ?? previous?.phoneRegion ?? 'FR' }),
  };
}

export async function reconcile(ctx: Context): Promise<ReconcileReport> {
  // The connected user can still use the API (API Enabled, the app still allowed): a query every org answers.
  await salesforceApi(ctx.auth, ctx.network).query('SELECT Id FROM Organization LIMIT 1');
  const state = ctx.state();
  const changes: string[] = [];
  // The endpoint's secret part: only who was shown the URL (the admin, pasting it into Salesforce) can post there.
  const token = typeof state.outboundMessageToken === 'string' ? state.outboundMessageToken : randomBase62(32);
  const endpoint = ctx.publicUrl(`${OUTBOUND_MESSAGE_PATH}/${token}`);
  if (state.outboundMessageEndpoint !== endpoint) changes.push(`Outbound Messages endpoint: ${endpoint}`);
  // The SMS tab's address, for the app's Canvas settings (canvas-module.ts).
  const canvasUrl = ctx.publicUrl(CANVAS_PATH);
  if (state.canvasUrl !== canvasUrl) changes.push(`Canvas App URL of the SMS tab: ${canvasUrl}`);
  // The backstop poll reads from now on for the objects followed since the last reconcile.
  const { cursors, started } = startedCursors(ctx.settings, (state.pollCursors ?? {}) as JsonObject, new Date());
  changes.push(...started.map((sobject) => `backstop poll of ${sobject} started`));
  if (changes.length > 0) await ctx.saveState({ ...state, outboundMessageToken: token, outboundMessageEndpoint: endpoint, canvasUrl, pollCursors: cursors });
  return { changes };
}

/** Nothing was registered in Salesforce (the admin's Outbound Messages are theirs); the hub revokes its grant. */
export async function uninstall(ctx: Context): Promise<ReconcileReport> {
  const endpoint = ctx.state().outboundMessageEndpoint;
  return { changes: [], problems: typeof endpoint === 'string' ? [`Outbound Messages sent to ${endpoint} are now refused: remove them from your Salesforce Flows (Setup → Outbound Messages).`] : [] };
}

export function remoteResources(state: JsonObject): RemoteResource[] {
  const resources: RemoteResource[] = [];
  const endpoint = state.outboundMessageEndpoint;
  if (typeof endpoint === 'string') resources.push({ kind: 'outbound message endpoint', name: 'Endpoint URL for your Outbound Messages (Setup → Outbound Messages)', externalId: endpoint, status: 'ready' });
  if (typeof state.canvasUrl === 'string') resources.push({ kind: 'canvas app url', name: 'Canvas App URL of the SMS tab (the app\'s Canvas App Settings)', externalId: state.canvasUrl, status: 'ready' });
  return resources;
}
