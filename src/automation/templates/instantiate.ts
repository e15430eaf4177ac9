/**
 * A template and parameters → a scenario in draft. The parameters are checked against the template's
 * zod schema (errors under body.parameters), then the built definition goes through the checks every
 * scenario save goes through (scenario-checks.ts), so what a template hands out is a scenario the
 * API accepts, and a text parameter with a typo (`{{ contact.fistName }}`) is refused naming the
 * step it lands in. Nothing is activated: the tenant reviews, simulates, then activates.
 */
import { z } from 'zod';
import { formatPath } from '../../gateway/problem.ts';
import { InvalidInputError } from '../../errors.ts';
import type { ScenarioChecks } from '../scenario-checks.ts';
import { saveNewScenario, type ScenarioServiceDeps } from '../scenario-service.ts';
import type { Scenario } from '../scenario-store.ts';
import type { BuiltScenario, ScenarioTemplate } from './template.ts';

export const InstantiateBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional().describe('Default: the template\'s scenario name.'),
    description: z.string().trim().max(2000).optional().describe('Default: a summary of the parameters.'),
    parameters: z.record(z.string(), z.unknown()).default({}).describe('The template\'s parameters (GET /v1/scenario-templates/{id}); those left out take their defaults.'),
  })
  .strict()
  .meta({ id: 'InstantiateTemplateBody' });
export type InstantiateBody = z.output<typeof InstantiateBodySchema>;

/** The template's scenario for these parameters; InvalidInputError naming body.parameters.… when they do not parse. */
export function buildFromTemplate(template: ScenarioTemplate, parameters: unknown): BuiltScenario {
  const parsed = template.parameters.safeParse(parameters ?? {});
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path, 'body.parameters'), message: issue.message }));
    throw new InvalidInputError(`The parameters of template "${template.id}" have ${errors.length} problem(s): ${errors[0]!.path}: ${errors[0]!.message}`, errors);
  }
  return template.build(parsed.data);
}

export async function instantiateTemplate(deps: ScenarioServiceDeps & { checks: ScenarioChecks }, tenantId: string, template: ScenarioTemplate, body: InstantiateBody): Promise<Scenario> {
  const built = buildFromTemplate(template, body.parameters);
  const checked = await deps.checks.create(tenantId, { name: body.name ?? built.name, description: body.description ?? built.description, definition: built.definition, activate: false });
  return saveNewScenario(deps, tenantId, checked);
}

/** What the API shows of a template: its parameters as JSON Schema (defaults included) and the defaults alone. */
export function templateView(template: ScenarioTemplate) {
  const parameters = z.toJSONSchema(template.parameters, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { default?: unknown }>; required?: string[] };
  const defaults = Object.fromEntries(Object.entries(parameters.properties ?? {}).flatMap(([name, schema]) => (schema.default === undefined ? [] : [[name, schema.default]])));
  return { id: template.id, name: template.name, description: template.description, needs: template.needs, parameters, defaults, required: parameters.required ?? [] };
}
