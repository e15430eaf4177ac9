/**
 * What a scenario's templates may read, from its trigger: the contact's fields, the event that
 * started the run (its data as the bus catalog defines it for the trigger's type) and, in messages,
 * the message's own fields. Validation checks every template against it, so `{{ contact.fistName }}`
 * or `{{ event.data.orderID }}` on `order.created` is refused when the scenario is saved or activated,
 * with the message a run would have failed with. Pure.
 *
 * Templates read only the trigger event: no step makes variables for later ones (a waitFor's event
 * is for predicates, as `lastEvent`), so the trigger alone decides what exists.
 */
import { findEventType } from '../bus/catalog/index.ts';
import { CONTACT_SHAPE, eventShape, fieldsShape, OPEN, shapeOfSchema, VALUE, type VariableShape } from '../sending/template-shape.ts';
import type { Action, Trigger } from './scenario.ts';

const catalogShapes = new Map<string, VariableShape>();

/** The trigger event's data: the catalog schema of its type; open for `custom.*` types, whose data is any object. */
export function triggerDataShape(trigger: Trigger): VariableShape {
  if (trigger.kind === 'date') return fieldsShape({ field: VALUE, date: VALUE, year: VALUE });
  if (trigger.kind === 'segment') return catalogShape('segment.entered');
  // Several types may start a run (`also`): a template reads only what all of them carry.
  return [trigger.event, ...(trigger.also ?? [])].map(catalogShape).reduce(commonShape);
}

/**
 * What two shapes both have: fields present in both (recursively), a list of common items; an open
 * shape (a custom event's data) has whatever the other has. Different kinds leave a plain value.
 */
export function commonShape(a: VariableShape, b: VariableShape): VariableShape {
  if (a.kind === 'open') return b;
  if (b.kind === 'open') return a;
  if (a.kind === 'fields' && b.kind === 'fields') {
    const fields: Record<string, VariableShape> = {};
    for (const [name, shape] of Object.entries(a.fields)) {
      const other = b.fields[name];
      if (other) fields[name] = commonShape(shape, other);
      else if (b.open) fields[name] = shape;
    }
    if (a.open) for (const [name, shape] of Object.entries(b.fields)) fields[name] ??= shape;
    return { kind: 'fields', fields, open: a.open && b.open };
  }
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', item: commonShape(a.item, b.item) };
  return VALUE;
}

function catalogShape(type: string): VariableShape {
  const entry = findEventType(type);
  if (!entry) return OPEN;
  let shape = catalogShapes.get(type);
  if (!shape) {
    shape = shapeOfSchema(entry.data);
    catalogShapes.set(type, shape);
  }
  return shape;
}

/**
 * A send action's templates: contact, event and message (`message.unsubscribeUrl` exists in marketing
 * email only); an SMS asking a survey on the hub's page has `survey.url`, its signed link.
 */
export function messageTemplateShape(trigger: Trigger, action: Extract<Action, { kind: 'sendSms' | 'sendEmail' }>): VariableShape {
  const message = fieldsShape(action.kind === 'sendEmail' && action.category === 'marketing' ? { id: VALUE, unsubscribeUrl: VALUE } : { id: VALUE });
  const shapes: Record<string, VariableShape> = { contact: CONTACT_SHAPE, event: eventShape(triggerDataShape(trigger)), message };
  if (action.kind === 'sendSms' && action.survey?.via === 'page') shapes.survey = fieldsShape({ url: VALUE });
  return fieldsShape(shapes);
}

/** A connector action's input templates: contact and event, no message. */
export function actionInputShape(trigger: Trigger): VariableShape {
  return fieldsShape({ contact: CONTACT_SHAPE, event: eventShape(triggerDataShape(trigger)) });
}
