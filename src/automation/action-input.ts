/**
 * The input of a scenario's connector action: JSON whose string values may be templates
 * (`{"orderId": "{{ event.data.orderId }}", "note": "SMS de relance envoyé"}`), rendered per run with
 * the message template engine (src/sending/template.ts: same syntax, filters and strictness) over the
 * run's contact and the event that started it. Pure: shared by the hub and the simulator.
 *
 * A value that is exactly one tag without filters keeps the type of what it reads when that is a
 * number or true/false (`"{{ event.data.total.amount }}"` → 64.8), so inputs that want numbers can be
 * templated; everything else renders to text. There is no `message` here: the action sends none.
 */
import { CONTACT_VARIABLES } from '../sending/template-context.ts';
import { templateShapeIssues, type VariableShape } from '../sending/template-shape.ts';
import { parseTemplate, renderTemplate, TemplateError, type TemplateContext } from '../sending/template.ts';
import type { ContactSnapshot } from './reactions.ts';
import type { RunEvent } from './run.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type InputPath = (string | number)[];

/** The roots a connector action's templates may read. */
export const ACTION_TEMPLATE_ROOTS = ['contact', 'event'] as const;

export const isTemplated = (value: unknown): value is string => typeof value === 'string' && value.includes('{{');

/** The variables, as message templates see them (template-context.ts): every contact field present, null when empty. */
export function actionTemplateContext(contact: ContactSnapshot | undefined, trigger: RunEvent | null): TemplateContext {
  const empty = (name: string) => (name === 'attributes' || name === 'externalIds' ? {} : null);
  const context: TemplateContext = {
    contact: Object.fromEntries(CONTACT_VARIABLES.map((name) => [name, contact?.[name] ?? empty(name)])),
  };
  if (trigger) context.event = { id: trigger.id, type: trigger.type, source: trigger.source, occurredAt: trigger.occurredAt, data: trigger.data };
  return context;
}

export function formatInputPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : `${out}.${String(segment)}`), root);
}

function walk(value: unknown, path: InputPath, visit: (text: string, path: InputPath) => void): void {
  if (isTemplated(value)) visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index], visit));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) walk(item, [...path, key], visit);
}

/**
 * Save-time problems of the templates in an input: syntax, variables other than contact.… and
 * event.…, and, given the shape of what they read (template-variables.ts), fields that do not exist.
 */
export function inputTemplateIssues(input: unknown, shape?: VariableShape): { path: InputPath; message: string }[] {
  const issues: { path: InputPath; message: string }[] = [];
  walk(input, [], (text, path) => {
    try {
      const template = parseTemplate(text);
      const outside = template.variables.filter((variable) => !(ACTION_TEMPLATE_ROOTS as readonly string[]).includes(variable.split('.')[0]!));
      for (const variable of outside) {
        issues.push({ path, message: `unknown variable "${variable}": a connector action's input reads contact.… and event.… (the event that started the run)` });
      }
      if (outside.length === 0 && shape) for (const issue of templateShapeIssues(template, shape)) issues.push({ path, message: issue.message });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      for (const issue of error.issues) issues.push({ path, message: issue.message });
    }
  });
  return issues;
}

/** Whether the value at `path`, or one that contains it, is a template (its type is only known once rendered). */
export function underTemplate(input: unknown, path: readonly PropertyKey[]): boolean {
  let value: unknown = input;
  for (const key of path) {
    if (isTemplated(value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return isTemplated(value);
}

function readPath(context: TemplateContext, path: readonly string[]): unknown {
  let value: unknown = context;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

export type RenderedInput = { ok: true; input: Record<string, Json> } | { ok: false; problems: string[] };

/** Renders every template of the input; the problems name the field (`input.orderId: unknown variable …`). */
export function renderActionInput(input: Record<string, unknown>, context: TemplateContext, root = 'input'): RenderedInput {
  const problems: string[] = [];
  const render = (value: unknown, path: InputPath): Json => {
    if (isTemplated(value)) {
      try {
        const template = parseTemplate(value);
        const text = renderTemplate(template, context);
        const [only] = template.nodes;
        if (template.nodes.length === 1 && only!.kind === 'tag' && only!.filters.length === 0) {
          const raw = readPath(context, only!.path);
          if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
        }
        return text;
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        problems.push(...error.issues.map((issue) => `${formatInputPath(root, path)}: ${issue.message}`));
        return null;
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => render(item, [...path, index]));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item, [...path, key])]));
    return value as Json;
  };
  const rendered = render(input, []) as Record<string, Json>;
  return problems.length > 0 ? { ok: false, problems } : { ok: true, input: rendered };
}
