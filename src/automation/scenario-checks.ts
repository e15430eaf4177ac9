/**
 * The checks of a scenario request, shared by save (`POST`/`PUT /v1/scenarios`), validate and
 * activate, so they take the same body and answer the same errors: the body's fields, then the
 * definition (validate.ts, plus the segments it names, which the store answers), each error a
 * `{ path, message }` under `body.` (`body.definition.steps[1].timeout`), as in every problem+json.
 */
import { z } from 'zod';
import { InvalidInputError, notFound } from '../errors.ts';
import type { Db } from '../store/db.ts';
import type { ConnectorActionRegistry } from './connector-actions.ts';
import { ScenarioDefinitionSchema, type ScenarioDefinition } from './scenario.ts';
import { getScenario } from './scenario-store.ts';
import { segmentsNamed } from './segment-references.ts';
import type { Segments } from './segments/segments.ts';
import { validateScenario, type ScenarioIssue } from './validate.ts';

export const FieldErrorSchema = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

const NameSchema = z.string().trim().min(1).max(200);
const DescriptionSchema = z.string().trim().max(2000).nullable();

/** The bodies, for the OpenAPI document; the handlers check them with the envelopes below so that definition errors name steps. */
export const CreateBodySchema = z
  .object({ name: NameSchema, description: DescriptionSchema.optional(), definition: ScenarioDefinitionSchema, activate: z.boolean().default(false) })
  .strict();
export const UpdateBodySchema = z
  .object({ name: NameSchema.optional(), description: DescriptionSchema.optional(), definition: ScenarioDefinitionSchema.optional() })
  .strict();
/** Optional: a POST without a body reaches the handler as null. */
export const ActivateBodySchema = z.object({}).strict().nullish();

const CreateEnvelope = CreateBodySchema.extend({ definition: z.unknown() });
/** Validate takes the create body; a name is not needed to check a draft. */
const ValidateEnvelope = CreateEnvelope.extend({ name: NameSchema.optional() });
const UpdateEnvelope = UpdateBodySchema.extend({ definition: z.unknown().optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.description !== undefined || body.definition !== undefined, { error: 'send at least one of name, description, definition' });

export const ValidationAnswerSchema = z.object({
  valid: z.boolean().describe('Whether saving this body would succeed.'),
  errors: z.array(FieldErrorSchema).describe('What saving would refuse: the errors of its problem+json (400).'),
});

/** For routes whose body these checks parse: Fastify passes it through untouched. */
export const passThrough = () => (data: unknown) => ({ value: data });

const formatPath = (root: string, path: readonly PropertyKey[]) => path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : `${out}.${String(segment)}`), root);

export const validationError = (errors: FieldError[], what = 'The body') =>
  new InvalidInputError(`${what} has ${errors.length} problem(s): ${errors[0]!.message}${errors.length > 1 ? ' (and more, see errors)' : ''}`, errors);

/** Definition issues as problem errors under `root` (`body.definition`, or `definition` for a stored one). */
export const definitionErrors = (issues: readonly ScenarioIssue[], root: string): FieldError[] =>
  issues.map((issue) => ({ path: issue.path === '' ? root : `${root}.${issue.path}`, message: issue.message }));

function envelope<Schema extends z.ZodType>(schema: Schema, body: unknown): { data?: z.output<Schema>; errors: FieldError[] } {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { data: parsed.data, errors: [] };
  return { errors: parsed.error.issues.map((issue) => ({ path: formatPath('body', issue.path), message: issue.message })) };
}

export interface ScenarioCheckDeps {
  db: Db;
  connectorActions: ConnectorActionRegistry;
  segments: Pick<Segments, 'get'>;
}

export type ScenarioChecks = ReturnType<typeof scenarioChecks>;

export function scenarioChecks(deps: ScenarioCheckDeps) {
  const context = {
    connectorAction: (connector: string, action: string) => deps.connectorActions.get(connector, action) !== undefined,
    connectorActionNames: () => deps.connectorActions.names(),
    connectorActionInput: (connector: string, action: string) => deps.connectorActions.get(connector, action)?.input,
  };
  /** The definition's checks, plus one the store answers: the segments it names exist in this tenant. */
  const definitionIssues = async (tenantId: string, input: unknown): Promise<{ definition?: ScenarioDefinition; issues: ScenarioIssue[] }> => {
    const result = validateScenario(input, context);
    if (!result.ok) return { issues: result.issues };
    const issues: ScenarioIssue[] = [];
    for (const { path, segmentId } of segmentsNamed(result.definition)) {
      if (!(await deps.segments.get(tenantId, segmentId))) issues.push({ path, message: `${path}: no segment "${segmentId}" in this tenant (GET /v1/segments)` });
    }
    return issues.length > 0 ? { issues } : { definition: result.definition, issues };
  };

  /** The definition of a create (or validate) body, its errors after those of the body's other fields. */
  const bodyDefinition = async (tenantId: string, body: unknown, fieldErrors: FieldError[]) => {
    const checked = await definitionIssues(tenantId, (body as { definition?: unknown } | null | undefined)?.definition);
    return { definition: checked.definition, errors: [...fieldErrors, ...definitionErrors(checked.issues, 'body.definition')] };
  };

  return {
    definitionIssues,


    /** The body of POST /v1/scenarios; throws the 400 that lists every error. */
    async create(tenantId: string, body: unknown): Promise<z.output<typeof CreateEnvelope> & { definition: ScenarioDefinition }> {
      const fields = envelope(CreateEnvelope, body);
      const { definition, errors } = await bodyDefinition(tenantId, body, fields.errors);
      const data = fields.data;
      if (errors.length > 0 || !data || !definition) throw validationError(errors);
      return { ...data, definition };
    },

    /** The body of PUT /v1/scenarios/{id}. */
    async update(tenantId: string, body: unknown): Promise<z.output<typeof UpdateEnvelope> & { definition?: ScenarioDefinition | undefined }> {
      const { data, errors } = envelope(UpdateEnvelope, body);
      const raw = (body as { definition?: unknown } | null | undefined)?.definition;
      const checked = raw === undefined ? { issues: [] } : await definitionIssues(tenantId, raw);
      errors.push(...definitionErrors(checked.issues, 'body.definition'));
      if (errors.length > 0 || !data) throw validationError(errors);
      return { ...data, definition: checked.definition };
    },

    /** POST /v1/scenarios/validate: what save would answer for this body, without saving. */
    async validate(tenantId: string, body: unknown): Promise<z.infer<typeof ValidationAnswerSchema>> {
      const fields = envelope(ValidateEnvelope, body);
      const { definition, errors } = await bodyDefinition(tenantId, body, fields.errors);
      return fields.data && definition ? { valid: true, errors: [] } : { valid: false, errors };
    },
  };
}

export async function scenarioOr404(db: Db, tenantId: string, id: string) {
  const scenario = await getScenario(db, tenantId, id);
  if (!scenario) throw notFound('scenario', id);
  return scenario;
}
