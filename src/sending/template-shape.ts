/**
 * What a template may read, known before any recipient or event exists: the shape of its context
 * (template-context.ts), so a typo (`contact.fistName`, `event.data.orderID`) is refused when a
 * template is saved instead of failing every send. Pure.
 *
 * The check reports what rendering would (template.ts), with the same messages: an unknown variable
 * names what exists there, and a variable that reads an object or a list is "not text". Parts whose
 * fields cannot be known in advance (contact attributes, `custom.*` event data, records) are open:
 * any path under them passes, and rendering stays the judge.
 */
import { z } from 'zod';
import { CONTACT_VARIABLES } from './template-context.ts';
import { describeAvailable, type ParsedTemplate, type TemplateIssue } from './template.ts';

export type VariableShape =
  | { kind: 'open' }
  | { kind: 'value' }
  | { kind: 'fields'; fields: Readonly<Record<string, VariableShape>>; open: boolean }
  | { kind: 'list'; item: VariableShape };

export const OPEN: VariableShape = { kind: 'open' };
export const VALUE: VariableShape = { kind: 'value' };
export const fieldsShape = (fields: Record<string, VariableShape>): VariableShape => ({ kind: 'fields', fields, open: false });

/** The contact as templates see it: every known field, attributes and external ids open. */
export const CONTACT_SHAPE = fieldsShape(Object.fromEntries(CONTACT_VARIABLES.map((name) => [name, name === 'attributes' || name === 'externalIds' ? OPEN : VALUE])));

/** The event a template reads, given the shape of its data. */
export const eventShape = (data: VariableShape): VariableShape => fieldsShape({ id: VALUE, type: VALUE, source: VALUE, occurredAt: VALUE, data });

type JsonSchema = { type?: unknown; properties?: Record<string, JsonSchema>; additionalProperties?: unknown; items?: unknown; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

function isNullOnly(schema: JsonSchema): boolean {
  return schema.type === 'null';
}

function fromJsonSchema(schema: JsonSchema): VariableShape {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const shapes = branches.filter((branch) => !isNullOnly(branch)).map(fromJsonSchema);
    if (shapes.length === 0) return VALUE;
    if (shapes.every((shape) => shape.kind === 'value')) return VALUE;
    if (shapes.every((shape) => shape.kind === 'fields')) {
      const fields: Record<string, VariableShape> = {};
      for (const shape of shapes) Object.assign(fields, shape.fields);
      return { kind: 'fields', fields, open: shapes.some((shape) => shape.open) };
    }
    return OPEN;
  }
  if (schema.properties) {
    const fields = Object.fromEntries(Object.entries(schema.properties).map(([key, inner]) => [key, fromJsonSchema(inner)]));
    return { kind: 'fields', fields, open: schema.additionalProperties !== undefined && schema.additionalProperties !== false };
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('array') && typeof schema.items === 'object' && schema.items !== null && !Array.isArray(schema.items)) return { kind: 'list', item: fromJsonSchema(schema.items as JsonSchema) };
  if (types.some((type) => type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') && !types.includes('object') && !types.includes('array')) return VALUE;
  return OPEN;
}

/** The shape of what a zod schema outputs (the event catalog's data schemas). */
export function shapeOfSchema(schema: z.ZodType): VariableShape {
  return fromJsonSchema(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema);
}

type Reach = { ok: true; shape: VariableShape } | { ok: false; message: string };

function reach(shape: VariableShape, path: readonly string[]): Reach {
  let current = shape;
  for (let index = 0; index < path.length; index++) {
    const key = path[index]!;
    const at = path.slice(0, index).join('.');
    if (current.kind === 'open') return { ok: true, shape: OPEN };
    if (current.kind === 'value') return { ok: false, message: describeAvailable(at, []) };
    if (current.kind === 'list') {
      if (!/^\d+$/.test(key)) return { ok: false, message: `${at} is a list: name an item by its position, e.g. ${at}.0` };
      current = current.item;
      continue;
    }
    const next = Object.hasOwn(current.fields, key) ? current.fields[key] : undefined;
    if (next === undefined) {
      if (current.open) return { ok: true, shape: OPEN };
      return { ok: false, message: describeAvailable(at, Object.keys(current.fields)) };
    }
    current = next;
  }
  return { ok: true, shape: current };
}

/** Every variable of the template checked against the shape of its context, as rendering would judge it. */
export function templateShapeIssues(template: ParsedTemplate, context: VariableShape): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const node of template.nodes) {
    if (node.kind !== 'tag') continue;
    const variable = node.path.join('.');
    const found = reach(context, node.path);
    if (!found.ok) {
      issues.push({ kind: 'unknown_variable', variable, offset: node.offset, message: `unknown variable "${variable}" in ${node.source}: ${found.message}` });
    } else if (found.shape.kind === 'fields' || found.shape.kind === 'list') {
      const what = found.shape.kind === 'list' ? `a list, not text: name one of its items, e.g. ${variable}.0` : `an object, not text: name one of its fields (${describeAvailable(variable, Object.keys(found.shape.fields))})`;
      issues.push({ kind: 'not_text', variable, offset: node.offset, message: `"${variable}" is ${what}` });
    }
  }
  return issues;
}
