/**
 * The authorization code flow of an OAuth connector, from the admin's request to the stored installation:
 *
 *   startAuthorization   POST …/installations (or …/reconnect): the install input checked, a flow row, the start link
 *   start route          the browser follows it: @fastify/oauth2 sets the state and PKCE verifier cookies, 302 to the provider
 *   callback route       state consumed once, the code exchanged by @fastify/oauth2 (with the verifier), then
 *   completeAuthorization  oauth.accountOf with the new tokens → the installation stored (tokens sealed) → reconcile
 */
import type { OAuth2Token } from '@fastify/oauth2';
import { ExternalUnavailableError, InvalidInputError, UnprocessableError } from '../../errors.ts';
import type { AuthorizedClient, Connector, JsonObject, OAuthTokens } from '../connector.ts';
import type { ConnectorDeps } from '../deps.ts';
import { ExternalSystemError } from '../external-error.ts';
import { findInstallationByAccount, getInstallation, type StoredInstallation } from '../installation-store.ts';
import { requeuePending } from '../inbox.ts';
import { storeAndReconcile } from '../lifecycle.ts';
import { authorizationServerOf, checkAuthorizationServer } from './authorization-server.ts';
import { resolveClient } from './clients.ts';
import { createFlow, type Flow } from './flows.ts';
import { missingClient, tokensFrom } from './tokens.ts';

export interface AuthorizationStart {
  /** Open it in the admin's browser: it sets the flow's cookies there and redirects to the provider. */
  authorizationUrl: string;
  expiresAt: Date;
  flowId: string;
}

function parseInput(connector: Connector, body: unknown): JsonObject {
  const source = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if ('rules' in source) {
    throw new InvalidInputError(`${connector.manifest.name} has no ready rules; use a scenario (template) instead.`, [{ path: 'body.rules', message: 'not accepted by this connector' }]);
  }
  const parsed = connector.manifest.installInput.safeParse(source);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ path: ['body', ...issue.path.map(String)].join('.'), message: issue.message }));
    throw new InvalidInputError(`The body has ${errors.length} invalid field(s); see errors.`, errors);
  }
  return (parsed.data ?? {}) as JsonObject;
}

/** Starts a flow for a new installation, or to reconnect `installation` (same account required at the end). */
export async function startAuthorization(
  deps: ConnectorDeps,
  connector: Connector,
  values: { tenantId: string; startedBy: string; body: unknown; installation?: StoredInstallation },
): Promise<AuthorizationStart> {
  // A reconnect takes the install input too (most OAuth connectors need none: the account comes from the provider).
  const input = parseInput(connector, values.body ?? {});
  // A per-account authorization server (a Salesforce sandbox, a My Domain) is checked now: 400 naming its field.
  await checkAuthorizationServer(connector, input, deps.network);
  // Refuse now, not at the provider's page, when no client is configured: the message says which variable to set.
  if (!(await resolveClient(deps, values.tenantId, connector.manifest.id))) throw new UnprocessableError(missingClient(connector).message);
  const { flow, state } = await createFlow(deps, { tenantId: values.tenantId, connector: connector.manifest.id, startedBy: values.startedBy, installationId: values.installation?.id, input });
  const base = deps.publicUrl.replace(/\/+$/, '');
  return { authorizationUrl: `${base}/connectors/${connector.manifest.id}/oauth/start/${encodeURIComponent(state)}`, expiresAt: flow.expiresAt, flowId: flow.id };
}

/** The client `accountOf` calls with: the tokens just exchanged (no installation yet, so nothing to refresh). */
function freshClient(tokens: OAuthTokens): AuthorizedClient {
  return {
    accessToken: () => Promise.resolve(tokens.accessToken),
    withToken: (call) => call(tokens.accessToken),
    tokenInfo: () => tokens.extra,
  };
}

export type Completion =
  | { ok: true; installation: StoredInstallation; created: boolean; reconnected: boolean; changes: string[] }
  | { ok: false; kind: 'refused' | 'failed'; message: string };

/** After the code exchange: the account, then the installation stored and reconciled. Nothing is stored on a refusal. */
export async function completeAuthorization(deps: ConnectorDeps, connector: Connector, flow: Flow, exchanged: OAuth2Token): Promise<Completion> {
  const log = deps.log.child({ connector: connector.manifest.id, tenantId: flow.tenantId, flowId: flow.id });
  const reconnecting = flow.installationId === null ? undefined : await getInstallation(deps.db, flow.tenantId, flow.installationId);
  if (flow.installationId !== null && (!reconnecting || reconnecting.connector !== connector.manifest.id)) {
    return { ok: false, kind: 'refused', message: `The installation ${flow.installationId} to reconnect no longer exists.` };
  }
  let tokens: OAuthTokens;
  let account: string;
  let settings: unknown;
  try {
    const server = authorizationServerOf(connector, flow.input, deps.network);
    tokens = { ...tokensFrom(exchanged.token), ...(server === undefined ? {} : { authorizationServer: server }) };
    const input = connector.manifest.installInput.parse(flow.input);
    ({ account, settings } = await connector.oauth!.accountOf(input, {
      tenantId: flow.tenantId,
      tokens,
      auth: freshClient(tokens),
      network: deps.network,
      log,
      existing: reconnecting && { settings: reconnecting.settings },
    }));
  } catch (error) {
    if (!(error instanceof ExternalSystemError)) throw error;
    return { ok: false, kind: error.transient ? 'failed' : 'refused', message: error.message };
  }
  if (reconnecting && reconnecting.account !== account) {
    return {
      ok: false,
      kind: 'refused',
      message: `You signed in as ${account}, but this installation is for ${reconnecting.account}: sign in with ${reconnecting.account} to reconnect it, or install ${account} as a new installation. Nothing was changed.`,
    };
  }
  const existing = reconnecting ?? (await findInstallationByAccount(deps.db, flow.tenantId, connector.manifest.id, account));
  if (existing?.credentialsSealed && tokens.refreshToken === null) {
    // A provider that gives the refresh token only at the first consent: the one kept from then stays valid.
    const previous = deps.oauth.previousRefreshToken(existing);
    if (previous !== null) tokens = { ...tokens, refreshToken: previous };
  }
  try {
    const stored = await storeAndReconcile(deps, connector, flow.tenantId, { existing, account, settings, credentials: tokens });
    // What arrived while it waited for reauthorization is processed now.
    if (existing?.status === 'reauthorize') await requeuePending(deps, flow.tenantId, stored.installation.id);
    log.info({ installationId: stored.installation.id, account, created: stored.created }, reconnecting ? 'OAuth installation reconnected' : 'OAuth installation authorized');
    return { ok: true, installation: stored.installation, created: stored.created, reconnected: existing?.status === 'reauthorize' || reconnecting !== undefined, changes: stored.changes };
  } catch (error) {
    // storeAndReconcile already undid what a failed reconcile left (a new row with nothing at the system is removed).
    if (error instanceof UnprocessableError) return { ok: false, kind: 'refused', message: error.message };
    if (error instanceof ExternalUnavailableError) return { ok: false, kind: 'failed', message: error.message };
    throw error;
  }
}
