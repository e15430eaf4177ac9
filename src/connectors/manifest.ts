import { z } from 'zod';
import type { EventType } from '../bus/catalog/define.ts';

/** How the hub authenticates to the external system (the console shows the matching install form). */
export const AuthKindSchema = z.enum(['api-key', 'oauth2', 'basic', 'none']);
export type AuthKind = z.infer<typeof AuthKindSchema>;

/**
 * How an `oauth2` connector signs in (OAuth 2.0 authorization code flow with PKCE, run by the hub
 * through @fastify/oauth2: src/connectors/oauth/). The client id and secret are not here: they come
 * from HUB_OAUTH_<CONNECTOR>_CLIENT_ID / _CLIENT_SECRET or the tenant's PUT /v1/connectors/{id}/oauth-client.
 */
export interface OAuthManifest {
  /** The provider's authorization endpoint (Google: https://accounts.google.com/o/oauth2/v2/auth). */
  authorizeUrl: string;
  /** The token endpoint: code exchange and refresh (Google: https://oauth2.googleapis.com/token). */
  tokenUrl: string;
  /** RFC 7009 revocation endpoint, called at uninstall with the refresh token (Google: https://oauth2.googleapis.com/revoke). */
  revokeUrl?: string;
  /** Scopes asked for (joined with spaces). */
  scopes: readonly string[];
  /** Extra parameters of the authorization URL: Google needs access_type=offline and prompt=consent for a refresh token. */
  authorizeParams?: Record<string, string>;
  /** How the client authenticates at the token endpoint: HTTP Basic ('header', the default) or in the form ('body', Salesforce). */
  clientAuth?: 'header' | 'body';
  /** The docs section telling the admin how to create the OAuth client at the provider (e.g. docs/connectors/google-calendar.md#oauth-client). */
  clientSetupDocs: string;
}

/** One thing the connector can do in the external system, with its input schema (declared with its code: action.ts). */
export interface ActionManifest<Input extends z.ZodType = z.ZodType> {
  /** Slug, unique within the connector: `add-order-note`. */
  id: string;
  title: string;
  description: string;
  input: Input;
}

/**
 * What a connector is, as data: the console, the API (`GET /v1/connectors`) and the docs read it.
 * `installInput` is what the admin gives (credentials and first settings), `settings` the
 * non-secret settings stored on the installation (editable later), `credentials` what is sealed.
 */
export interface ConnectorManifest<
  InstallInput extends z.ZodType = z.ZodType,
  Settings extends z.ZodType = z.ZodType,
  Credentials extends z.ZodType = z.ZodType,
> {
  /** Slug: the folder name under connectors/, the `source` of its events, the path under /connectors. */
  id: string;
  name: string;
  description: string;
  auth: AuthKind;
  installInput: InstallInput;
  settings: Settings;
  credentials: Credentials;
  /** OAuth connectors (`auth: 'oauth2'`): the provider's endpoints and scopes. Required for them, absent otherwise. */
  oauth?: OAuthManifest;
  /** Catalog event types it publishes (core types or its own `eventTypes`). */
  emits: readonly string[];
  /**
   * Event types this connector adds to the catalog (schema + example), e.g. Google Calendar's
   * `appointment.scheduled`: registered when the connector is defined, listed by GET /v1/event-types,
   * validated like core types. A type is named once in the whole hub.
   */
  eventTypes?: readonly EventType[];
  /**
   * Whether installations take the ready rules (`rules` in the install body and PATCH: the shop connectors' order SMS
   * and alerts). Other connectors offer scenario templates instead; an install body with `rules` is refused for them.
   */
  readyRules?: boolean;
  actions: readonly ActionManifest[];
  /** Bus event types it acts on (built from its `subscription` by defineConnector): each is delivered to its installations. */
  consumes?: readonly string[];
  /** The shop owner's documentation, relative to the repository (docs/connectors/<id>.md). */
  docs: string;
}

/** A manifest as a connector writes it: its actions come from the connector's action declarations (`defineConnector`). */
export type ManifestDeclaration<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> = Omit<ConnectorManifest<I, S, C>, 'actions' | 'consumes'>;

export function defineManifest<I extends z.ZodType, S extends z.ZodType, C extends z.ZodType>(manifest: ManifestDeclaration<I, S, C>): ManifestDeclaration<I, S, C> {
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(manifest.id)) throw new Error(`Connector id "${manifest.id}" must be a lower-case slug (it is the events' source)`);
  if ((manifest.auth === 'oauth2') !== (manifest.oauth !== undefined)) throw new Error(`Connector ${manifest.id}: "oauth" is required with auth "oauth2" and only then`);
  for (const entry of manifest.eventTypes ?? []) {
    if (!manifest.emits.includes(entry.type)) throw new Error(`Connector ${manifest.id}: its event type ${entry.type} must be listed in "emits"`);
  }
  return manifest;
}

/** The public description of a connector (GET /v1/connectors). */
export const ConnectorInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    auth: AuthKindSchema,
    oauth: z
      .object({ scopes: z.array(z.string()), clientSetupDocs: z.string() })
      .optional()
      .describe('OAuth connectors: install with POST …/installations (answers an authorizationUrl) or GET …/installations/authorize (302 to it).'),
    emits: z.array(z.string()),
    consumes: z.array(z.string()).describe('Bus event types the connector acts on for each installation (e.g. Salesforce logs message.* as Tasks).'),
    actions: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), input: z.unknown() })),
    installInput: z.unknown().describe('JSON Schema of the install body.'),
    plugin: z
      .object({ url: z.string(), fileName: z.string() })
      .optional()
      .describe('Connectors whose shop runs a plugin (WordPress plugin, PrestaShop module): where to download its zip.'),
    docs: z.string(),
  })
  .meta({ id: 'Connector' });

export type ConnectorInfo = z.infer<typeof ConnectorInfoSchema>;

export function connectorInfo(manifest: ConnectorManifest, plugin?: { fileName: string }): ConnectorInfo {
  const schema = (type: z.ZodType) => z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' });
  return {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description,
    auth: manifest.auth,
    ...(manifest.oauth ? { oauth: { scopes: [...manifest.oauth.scopes], clientSetupDocs: manifest.oauth.clientSetupDocs } } : {}),
    emits: [...manifest.emits],
    consumes: [...(manifest.consumes ?? [])],
    actions: manifest.actions.map((action) => ({ id: action.id, title: action.title, description: action.description, input: schema(action.input) })),
    installInput: schema(manifest.installInput),
    ...(plugin ? { plugin: { url: `/v1/connectors/${manifest.id}/plugin.zip`, fileName: plugin.fileName } } : {}),
    docs: manifest.docs,
  };
}
