/**
 * Schemas the console takes from the hub's own OpenAPI document (/docs/json), so a form follows the
 * API it posts to: the scenario step forms are generated from the ScenarioDefinition schema.
 */
import type { RJSFSchema } from '@rjsf/utils';

type Json = Record<string, unknown>;

let documentPromise: Promise<Json> | undefined;

export function openApiDocument(): Promise<Json> {
  documentPromise ??= fetch('/docs/json', { credentials: 'same-origin' }).then((response) => {
    if (!response.ok) throw new Error(`/docs/json answered ${response.status}`);
    return response.json() as Promise<Json>;
  });
  return documentPromise;
}

/** "#/components/schemas/__shared#/$defs/schema0" and "#/components/schemas/Name" → "#/$defs/…", all gathered at the root. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string') {
      const shared = inner.match(/#\/\$defs\/([^/]+)$/);
      const component = inner.match(/^#\/components\/schemas\/([^#/]+)$/);
      out.$ref = shared ? `#/$defs/${shared[1]}` : component ? `#/$defs/${component[1]}` : inner;
    } else out[key] = rewriteRefs(inner);
  }
  return out;
}

/** A component schema, standing alone: every schema it may refer to travels with it under $defs. */
export function standalone(document: Json, schema: unknown): RJSFSchema {
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const shared = ((components.__shared as Json | undefined)?.$defs ?? {}) as Json;
  const defs: Json = {};
  for (const [name, inner] of Object.entries(components)) if (name !== '__shared') defs[name] = rewriteRefs(inner);
  for (const [name, inner] of Object.entries(shared)) defs[name] = rewriteRefs(inner);
  return { ...(rewriteRefs(schema) as Json), $defs: defs } as RJSFSchema;
}

/** The JSON body an operation takes ("/v1/sending/settings", "put"), standing alone: the form that posts to it follows it. */
export async function requestSchema(path: string, method: 'post' | 'put' | 'patch'): Promise<RJSFSchema> {
  const document = await openApiDocument();
  const operation = ((document.paths as Json)[path] as Json | undefined)?.[method] as { requestBody?: { content: Record<string, { schema: unknown }> } } | undefined;
  const schema = operation?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`The API document has no JSON body for ${method.toUpperCase()} ${path}`);
  return standalone(document, schema);
}

/** The schema of one scenario step type ("wait", "action"…), from ScenarioDefinition. */
export function stepSchema(document: Json, type: string): RJSFSchema | undefined {
  const definition = ((document.components as Json).schemas as Json).ScenarioDefinition as Json;
  const variants = (((definition.properties as Json).steps as Json).items as Json).oneOf as Json[];
  const variant = variants.find((candidate) => ((candidate.properties as Json).type as Json).const === type);
  return variant ? standalone(document, variant) : undefined;
}

export function stepTypes(document: Json): string[] {
  const definition = ((document.components as Json).schemas as Json).ScenarioDefinition as Json;
  const variants = (((definition.properties as Json).steps as Json).items as Json).oneOf as Json[];
  return variants.map((candidate) => String(((candidate.properties as Json).type as Json).const));
}
