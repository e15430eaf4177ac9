import { z } from 'zod';

/** How the hub authenticates to the external system (the console shows the matching install form). */
export const AuthKindSchema = z.enum(['api-key', 'oauth2', 'basic', 'none']);
export type AuthKind = z.infer<typeof AuthKindSchema>;

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
  /** Catalog event types it publishes. */
  emits: readonly string[];
  actions: readonly ActionManifest[];
  /** The shop owner's documentation, relative to the repository (docs/connectors/<id>.md). */
  docs: string;
}

/** A manifest as a connector writes it: its actions come from the connector's action declarations (`defineConnector`). */
export type ManifestDeclaration<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> = Omit<ConnectorManifest<I, S, C>, 'actions'>;

export function defineManifest<I extends z.ZodType, S extends z.ZodType, C extends z.ZodType>(manifest: ManifestDeclaration<I, S, C>): ManifestDeclaration<I, S, C> {
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(manifest.id)) throw new Error(`Connector id "${manifest.id}" must be a lower-case slug (it is the events' source)`);
  return manifest;
}

/** The public description of a connector (GET /v1/connectors). */
export const ConnectorInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    auth: AuthKindSchema,
    emits: z.array(z.string()),
    actions: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), input: z.unknown() })),
    installInput: z.unknown().describe('JSON Schema of the install body.'),
    docs: z.string(),
  })
  .meta({ id: 'Connector' });

export type ConnectorInfo = z.infer<typeof ConnectorInfoSchema>;

export function connectorInfo(manifest: ConnectorManifest): ConnectorInfo {
  const schema = (type: z.ZodType) => z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' });
  return {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description,
    auth: manifest.auth,
    emits: [...manifest.emits],
    actions: manifest.actions.map((action) => ({ id: action.id, title: action.title, description: action.description, input: schema(action.input) })),
    installInput: schema(manifest.installInput),
    docs: manifest.docs,
  };
}
